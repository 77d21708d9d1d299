#pragma once
// One scrape's kernel readings for every VF of the published inventory, made on the scraping
// thread without any of the device plugin's locks:
//  - netdev counters (IFLA_STATS64): one RTM_GETLINK dump on the host, and one per pod network
//    namespace holding VFs (the namespace from ibvf's attachment state), never by exec;
//  - RDMA port counters and state from the host's sysfs (through `rdmaSysfs`, which keeps each
//    device's directories and files open from one scrape to the next), or, when the RDMA device was moved into
//    the pod (rdmaIsolation), over RDMA netlink inside the pod's namespace;
//  - link state and GUIDs of each PF's VFs, one request per PF.
// A namespace that vanished between listing and reading, or a counter that cannot be read,
// leaves those series out and counts in ReadErrors; the scrape goes on.
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/DeviceInventory.hpp"
#include "deviceplugin/PodAssignments.hpp"
#include "deviceplugin/ReadErrors.hpp"
#include "deviceplugin/VfReading.hpp"
#include "linux/RdmaPortCounterCache.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::dp {

std::vector<VfReading> readVfs(const std::vector<InventoryPool>& inventory, const AssignmentMap& assignments,
                               const PlacementMap& placements, const linux::Sysfs& sysfs, linux::RdmaPortCounterCache& rdmaSysfs,
                               const AllocationPaths& paths, ReadErrors& errors);

}  // namespace ibvf::dp
