#pragma once
// A histogram with fixed upper bounds, safe to observe from any thread. Its samples go out as
// the format wants them: `_bucket{le="..."}` cumulative and ending with le="+Inf", `_sum`, `_count`.
#include <cstdint>
#include <mutex>
#include <vector>

#include "metrics/Family.hpp"

namespace ibvf::metrics {

struct HistogramSnapshot {
    std::vector<double> bounds;          // ascending upper bounds, without +Inf
    std::vector<std::uint64_t> buckets;  // per bound, not cumulative; one more at the end for +Inf
    double sum = 0;
    std::uint64_t count = 0;
};

class Histogram {
public:
    // Throws std::invalid_argument when the bounds are empty, not strictly ascending or not finite.
    explicit Histogram(std::vector<double> bounds);
    void observe(double value);
    HistogramSnapshot snapshot() const;

private:
    mutable std::mutex mutex_;
    HistogramSnapshot data_;
};

// Bounds for request latencies in seconds: 100 us to 10 s.
std::vector<double> latencyBounds();

// Appends the snapshot's samples to `family` (a Histogram family) with `labels` before "le".
void appendHistogram(Family& family, const Labels& labels, const HistogramSnapshot& snapshot);

}  // namespace ibvf::metrics
