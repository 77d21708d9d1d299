#pragma once
// The device plugin's own counters, per pool (resource) and for the whole plugin: what the
// ResourceServers and the daemon's loop count as they work, plus the pool gauges computed from
// the inventory at scrape time. A pool's counters live as long as the process (a config reload
// that keeps a resource keeps counting), so they only ever grow, as counters must.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/DeviceInventory.hpp"
#include "metrics/Family.hpp"
#include "metrics/Histogram.hpp"

namespace ibvf::dp {

struct PoolCounters {
    std::atomic<std::uint64_t> registrations{0};        // successful registrations with kubelet
    std::atomic<std::uint64_t> listAndWatchUpdates{0};  // device lists sent on ListAndWatch streams
    std::atomic<std::uint64_t> allocateFailures{0};     // Allocate calls answered with an error
    metrics::Histogram allocateSeconds{metrics::latencyBounds()};
    metrics::Histogram preferredAllocationSeconds{metrics::latencyBounds()};
};

enum class ReclaimReason { VfVanished, NotHeld };

class PoolMetrics {
public:
    // The counters of `resource` ("rdma/vhca"), made on first use.
    std::shared_ptr<PoolCounters> pool(const std::string& resource);

    void observeDiscovery(double seconds) { discoverySeconds_.observe(seconds); }
    void addReclaimed(ReclaimReason reason, std::size_t n);

    // Pool gauges from `inventory` (allocated: an allocation record exists under `paths`), then
    // every pool's counters and the plugin-wide ones.
    void collect(std::vector<metrics::Family>& out, const InventorySnapshot& inventory, const AllocationPaths& paths) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<PoolCounters>> pools_;
    metrics::Histogram discoverySeconds_{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}};
    std::atomic<std::uint64_t> reclaimedVanished_{0};
    std::atomic<std::uint64_t> reclaimedNotHeld_{0};
};

}  // namespace ibvf::dp
