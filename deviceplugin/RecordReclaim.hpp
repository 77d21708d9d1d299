#pragma once
// When an allocation record may go. A record says kubelet gave a VF to a container, and `ibvf`
// keeps that VF out of its own pfNetdevice picks while the record exists; a record left behind
// after the pod is gone keeps the VF out for good. So a record is removed when
//  - its VF is gone from every pool (sriov_numvfs lowered), or
//  - kubelet's pod-resources List no longer shows its ID in any container and the record is
//    older than the grace period: kubelet calls Allocate before the container exists, so a young
//    record is not yet listed.
#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/Discovery.hpp"

namespace ibvf::dp {

// Removes records of VFs that no longer exist in any pool; returns how many.
std::size_t reclaimVanishedRecords(const std::vector<Pool>& pools, const AllocationPaths& paths);

// `assignedIds`: every device ID kubelet lists for any container (any resource: a VF stays
// assigned under the resource it was allocated from even after a config change renamed it).
// Removes the other records whose time is before now - grace; returns how many.
std::size_t reclaimUnassignedRecords(const std::set<std::string>& assignedIds, const AllocationPaths& paths, std::chrono::seconds grace,
                                     std::chrono::system_clock::time_point now);

}  // namespace ibvf::dp
