#pragma once
// Every family ibvf-device-plugin exports, in one registry: the pools' (PoolMetrics), then the
// VFs' and the read errors (VfMetrics). The referenced objects must outlive the registry.
#include <memory>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/DeviceInventory.hpp"
#include "deviceplugin/PoolMetrics.hpp"
#include "deviceplugin/VfMetrics.hpp"
#include "metrics/Registry.hpp"

namespace ibvf::dp {

std::shared_ptr<metrics::Registry> makePluginRegistry(const PoolMetrics& pools, const DeviceInventory& inventory,
                                                      const AllocationPaths& paths, VfMetrics& vfs);

}  // namespace ibvf::dp
