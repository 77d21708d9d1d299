#pragma once
// <run dir>/advertised.json: every VF the device plugin offers kubelet, with its resource,
// {"vfs":{"0000:3b:01.0":"rdma/vhca",...}}. `ibvf` reads it to tell a deviceID that kubelet
// never allocated (advertised, but no allocation record) from a VF no device plugin manages
// (no record expected). Rewritten when the set changes; removed when the daemon stops.
#include <filesystem>
#include <string>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/Discovery.hpp"

namespace ibvf::dp {

std::filesystem::path advertisedVfsFile(const AllocationPaths& paths);  // beside the allocations dir

// hca pools have no VFs and add nothing.
std::string advertisedVfsJson(const std::vector<Pool>& pools);

}  // namespace ibvf::dp
