#include "deviceplugin/PoolMetrics.hpp"

#include <set>
#include <string>

#include "node/AllocationRecord.hpp"

namespace ibvf::dp {

using metrics::Family;
using metrics::MetricType;

std::shared_ptr<PoolCounters> PoolMetrics::pool(const std::string& resource) {
    std::lock_guard lock(mutex_);
    auto& p = pools_[resource];
    if (!p) p = std::make_shared<PoolCounters>();
    return p;
}

void PoolMetrics::addReclaimed(ReclaimReason reason, std::size_t n) {
    (reason == ReclaimReason::VfVanished ? reclaimedVanished_ : reclaimedNotHeld_) += n;
}

void PoolMetrics::collect(std::vector<Family>& out, const InventorySnapshot& inventory, const AllocationPaths& paths) const {
    Family total("ibvf_pool_devices", "Devices the pool advertises to kubelet.", MetricType::Gauge);
    Family healthy("ibvf_pool_healthy_devices", "Devices the pool reports Healthy to kubelet.", MetricType::Gauge);
    Family allocated("ibvf_pool_allocated_devices", "VFs of the pool with an allocation record (kubelet gave them to a container).",
                     MetricType::Gauge);
    std::set<std::string> recorded;  // one listing rather than a stat per VF
    for (auto& r : node::allocationRecordFiles(paths.allocationsDir)) recorded.insert(std::move(r.pciAddress));
    for (const auto& p : *inventory) {
        std::size_t h = 0;
        std::size_t a = 0;
        for (const auto& d : p.devices) {
            h += d.healthy ? 1 : 0;
            if (!d.device.pciAddress.empty() && recorded.contains(d.device.pciAddress)) ++a;
        }
        total.add({{"resource", p.resource}}, static_cast<double>(p.devices.size()));
        healthy.add({{"resource", p.resource}}, static_cast<double>(h));
        if (p.mode == PoolMode::Sriov) allocated.add({{"resource", p.resource}}, static_cast<double>(a));
    }
    out.push_back(std::move(total));
    out.push_back(std::move(healthy));
    out.push_back(std::move(allocated));

    Family registrations("ibvf_kubelet_registrations_total", "Successful registrations of the pool with kubelet.", MetricType::Counter);
    Family updates("ibvf_list_and_watch_updates_total", "Device lists sent to kubelet on ListAndWatch streams.", MetricType::Counter);
    Family failures("ibvf_allocate_failures_total", "Allocate calls answered with an error.", MetricType::Counter);
    Family allocate("ibvf_allocate_duration_seconds", "Time to answer kubelet's Allocate.", MetricType::Histogram);
    Family preferred("ibvf_preferred_allocation_duration_seconds", "Time to answer kubelet's GetPreferredAllocation.",
                     MetricType::Histogram);
    {
        std::lock_guard lock(mutex_);
        for (const auto& [resource, c] : pools_) {
            const metrics::Labels l{{"resource", resource}};
            registrations.add(l, static_cast<double>(c->registrations.load()));
            updates.add(l, static_cast<double>(c->listAndWatchUpdates.load()));
            failures.add(l, static_cast<double>(c->allocateFailures.load()));
            metrics::appendHistogram(allocate, l, c->allocateSeconds.snapshot());
            metrics::appendHistogram(preferred, l, c->preferredAllocationSeconds.snapshot());
        }
    }
    out.push_back(std::move(registrations));
    out.push_back(std::move(updates));
    out.push_back(std::move(failures));
    out.push_back(std::move(allocate));
    out.push_back(std::move(preferred));

    Family discovery("ibvf_discovery_duration_seconds", "Time of one discovery round (sysfs walk and PF link states).",
                     MetricType::Histogram);
    metrics::appendHistogram(discovery, {}, discoverySeconds_.snapshot());
    out.push_back(std::move(discovery));
    Family reclaimed("ibvf_records_reclaimed_total", "Allocation records removed: their VF vanished, or no container holds it any more.",
                     MetricType::Counter);
    reclaimed.add({{"reason", "vf_vanished"}}, static_cast<double>(reclaimedVanished_.load()));
    reclaimed.add({{"reason", "not_held"}}, static_cast<double>(reclaimedNotHeld_.load()));
    out.push_back(std::move(reclaimed));
}

}  // namespace ibvf::dp
