#pragma once
// GetPreferredAllocation's choice: keep the must-include devices, then pack the rest onto one PF
// and NUMA node, so a pod's VFs share a PCIe switch and memory node when the pool allows it.
#include <cstddef>
#include <string>
#include <vector>

#include "deviceplugin/Discovery.hpp"

namespace ibvf::dp {

// `known`: the pool's devices (for PF and NUMA of each ID); IDs not in it are used last.
// Returns mustInclude (in order, duplicates dropped) followed by picks from `available`, at most
// `size` in total unless mustInclude alone is larger. Deterministic for the same input.
std::vector<std::string> preferredAllocation(const std::vector<DeviceRecord>& known, const std::vector<std::string>& available,
                                             const std::vector<std::string>& mustInclude, std::size_t size);

}  // namespace ibvf::dp
