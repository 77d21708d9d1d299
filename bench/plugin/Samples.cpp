#include "Samples.hpp"

#include <algorithm>
#include <numeric>

namespace ibvf::bench {

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const double at = p * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(at);
    const auto hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (values[hi] - values[lo]) * (at - static_cast<double>(lo));
}

double Samples::median() const { return percentile(wallMs, 0.5); }
double Samples::p95() const { return percentile(wallMs, 0.95); }
double Samples::mean() const {
    return wallMs.empty() ? 0 : std::accumulate(wallMs.begin(), wallMs.end(), 0.0) / static_cast<double>(wallMs.size());
}
double Samples::medianRssKb() const { return percentile(maxRssKb, 0.5); }
double Samples::medianCpuMs() const { return percentile(cpuMs, 0.5); }

}  // namespace ibvf::bench
