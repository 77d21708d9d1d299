#pragma once
// One scrape's kernel readings for every VF of the published inventory, made on the scraping
// thread (and, for the RDMA sysfs files, a few workers) without any of the device plugin's locks:
//  - netdev counters (IFLA_STATS64): one RTM_GETLINK dump on the host, and one per pod network
//    namespace holding VFs (the namespace from ibvf's attachment state), never by exec;
//  - RDMA port counters and state from the host's sysfs (through RdmaPortCounterCache shards,
//    which keep each device's directories, and files if asked, open from one scrape to the next),
//    or, when the RDMA device was moved into the pod (rdmaIsolation), over RDMA netlink inside
//    the pod's namespace;
//  - link state and GUIDs of each PF's VFs, one request per PF.
// A namespace that vanished between listing and reading, or a counter that cannot be read,
// leaves those series out and counts in ReadErrors; the scrape goes on.
#include <span>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/DeviceInventory.hpp"
#include "deviceplugin/PodAssignments.hpp"
#include "deviceplugin/ReadErrors.hpp"
#include "deviceplugin/VfReading.hpp"
#include "linux/RdmaPortCounterCache.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::dp {

// `rdmaShards`: the per-VF sysfs readings are spread over them, each shard read by its own thread
// (the caller's when there is one) while the rest of the scrape waits; the readings come out in
// inventory order whatever the number of shards.
std::vector<VfReading> readVfs(const std::vector<InventoryPool>& inventory, const AssignmentMap& assignments,
                               const PlacementMap& placements, const linux::Sysfs& sysfs, std::span<linux::RdmaPortCounterCache> rdmaShards,
                               const AllocationPaths& paths, ReadErrors& errors);

inline std::vector<VfReading> readVfs(const std::vector<InventoryPool>& inventory, const AssignmentMap& assignments,
                                      const PlacementMap& placements, const linux::Sysfs& sysfs, linux::RdmaPortCounterCache& rdmaSysfs,
                                      const AllocationPaths& paths, ReadErrors& errors) {
    return readVfs(inventory, assignments, placements, sysfs, std::span(&rdmaSysfs, 1), paths, errors);
}

}  // namespace ibvf::dp
