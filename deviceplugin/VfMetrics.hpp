#pragma once
// The per-VF collector: at each scrape, the published inventory, kubelet's last word on who
// holds what and ibvf's attachment states, then the kernel (VfReader), then the families
// (VfFamilies) and the read errors so far.
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/DeviceInventory.hpp"
#include "deviceplugin/PodAssignments.hpp"
#include "deviceplugin/ReadErrors.hpp"
#include "deviceplugin/VfReading.hpp"
#include "linux/RdmaPortCounterCache.hpp"
#include "linux/Sysfs.hpp"
#include "metrics/Family.hpp"

namespace ibvf::dp {

// Where ADD put a VF (nullopt: on the host, or not a netdev ibvf moved); asked for each VF of
// the inventory once per scrape. May throw: that VF is then read as if on the host.
using PlacementLookup = std::function<std::optional<VfPlacement>(const std::string& pciAddress)>;
// Called once at the start of each scrape for that scrape's lookup, which may take what it needs
// from the disk at once (a listing) rather than once per VF.
using PlacementSource = std::function<PlacementLookup()>;

// Where ibvf's ADD put a VF, from the attachment states under `attachmentsDir`: the pod's
// namespace and the VF netdev's name there, once the ADD finished. Each scrape's lookup lists
// the claims once and reads the states of the claimed VFs only: a claim made after that listing
// is seen by the next scrape.
PlacementSource attachmentPlacements(std::filesystem::path attachmentsDir);

// How many threads read the per-VF sysfs files of a scrape by default: min(4, the CPUs the calling
// thread may run on).
unsigned defaultMetricsReadThreads();

class VfMetrics {
public:
    // `readThreads`: the per-VF sysfs files are read by that many threads, each with its own cache
    // shard: the scraping thread alone for 1, else workers started for each scrape.
    VfMetrics(const DeviceInventory& inventory, const PodAssignments& assignments, PlacementSource placements, linux::Sysfs sysfs,
              AllocationPaths paths, linux::RdmaPortCounterCache::KeepFiles keepFiles = linux::RdmaPortCounterCache::KeepFiles::No,
              unsigned readThreads = 1);

    // Never throws: whatever cannot be read is left out and counted.
    void collect(std::vector<metrics::Family>& out);

private:
    const DeviceInventory& inventory_;
    const PodAssignments& assignments_;
    const PlacementSource placements_;
    const linux::Sysfs sysfs_;
    const AllocationPaths paths_;
    ReadErrors errors_;
    std::mutex rdmaSysfsMutex_;                            // one scrape at a time uses the caches
    std::vector<linux::RdmaPortCounterCache> rdmaShards_;  // one per reading thread
};

}  // namespace ibvf::dp
