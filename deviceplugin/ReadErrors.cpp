#include "deviceplugin/ReadErrors.hpp"

namespace ibvf::dp {

void ReadErrors::add(const std::string& source, linux::ReadFailure failure, std::uint64_t n) {
    add(source, std::string(linux::readFailureName(failure)), n);
}

void ReadErrors::add(const std::string& source, const std::string& reason, std::uint64_t n) {
    std::lock_guard lock(mutex_);
    counts_[{source, reason}] += n;
}

void ReadErrors::collect(std::vector<metrics::Family>& out) const {
    metrics::Family f("ibvf_metrics_read_errors_total",
                      "Readings a scrape could not make (their series are left out), by source and reason.", metrics::MetricType::Counter);
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, n] : counts_) f.add({{"source", key.first}, {"reason", key.second}}, static_cast<double>(n));
    }
    out.push_back(std::move(f));
}

}  // namespace ibvf::dp
