#include "metrics/Histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "metrics/TextFormat.hpp"

namespace ibvf::metrics {

Histogram::Histogram(std::vector<double> bounds) {
    if (bounds.empty()) throw std::invalid_argument("histogram needs at least one bucket bound");
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
    }
    data_.buckets.assign(bounds.size() + 1, 0);
    data_.bounds = std::move(bounds);
}

void Histogram::observe(double value) {
    // The first bound >= value: "le" means less than or equal.
    const auto it = std::lower_bound(data_.bounds.begin(), data_.bounds.end(), value);
    const auto index = static_cast<std::size_t>(it - data_.bounds.begin());
    std::lock_guard lock(mutex_);
    ++data_.buckets[index];
    data_.sum += value;
    ++data_.count;
}

HistogramSnapshot Histogram::snapshot() const {
    std::lock_guard lock(mutex_);
    return data_;
}

std::vector<double> latencyBounds() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void appendHistogram(Family& family, const Labels& labels, const HistogramSnapshot& snapshot) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= snapshot.bounds.size() && i < snapshot.buckets.size(); ++i) {
        cumulative += snapshot.buckets[i];
        Labels withLe = labels;
        withLe.emplace_back("le", i < snapshot.bounds.size() ? formatValue(snapshot.bounds[i]) : "+Inf");
        family.samples.push_back(Sample{"_bucket", std::move(withLe), static_cast<double>(cumulative)});
    }
    family.samples.push_back(Sample{"_sum", labels, snapshot.sum});
    family.samples.push_back(Sample{"_count", labels, static_cast<double>(snapshot.count)});
}

}  // namespace ibvf::metrics
