#pragma once
// Which VFs the device plugin lists in advertised.json (the file and its format:
// node/AdvertisedVfs.hpp). Rewritten when the set changes; removed when the daemon stops.
#include <filesystem>
#include <string>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/Discovery.hpp"
#include "node/AdvertisedVfs.hpp"

namespace ibvf::dp {

std::filesystem::path advertisedVfsFile(const AllocationPaths& paths);  // beside the allocations dir

// Every VF of the pools with its resource; hca pools have no VFs and add nothing.
std::vector<node::AdvertisedVf> advertisedVfsOf(const std::vector<Pool>& pools);
std::string advertisedVfsJson(const std::vector<Pool>& pools);

}  // namespace ibvf::dp
