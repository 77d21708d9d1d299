#pragma once
// ibvf_metrics_read_errors_total{source, reason}: readings a scrape could not make (a namespace
// gone, a counter file unreadable). They never fail the scrape: the series is left out and this
// counter grows, so an alert can tell "no traffic" from "cannot see".
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "linux/ReadResult.hpp"
#include "metrics/Family.hpp"

namespace ibvf::dp {

class ReadErrors {
public:
    // `source`: "netdev", "rdma", "vf_state", "sysfs".
    void add(const std::string& source, linux::ReadFailure failure, std::uint64_t n = 1);
    void add(const std::string& source, const std::string& reason, std::uint64_t n = 1);
    void collect(std::vector<metrics::Family>& out) const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> counts_;
};

}  // namespace ibvf::dp
