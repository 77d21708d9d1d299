#include "deviceplugin/PluginRegistry.hpp"

namespace ibvf::dp {

std::shared_ptr<metrics::Registry> makePluginRegistry(const PoolMetrics& pools, const DeviceInventory& inventory,
                                                      const AllocationPaths& paths, VfMetrics& vfs) {
    auto registry = std::make_shared<metrics::Registry>();
    registry->add([&pools, &inventory, &paths](std::vector<metrics::Family>& out) { pools.collect(out, inventory.snapshot(), paths); });
    registry->add([&vfs](std::vector<metrics::Family>& out) { vfs.collect(out); });
    return registry;
}

}  // namespace ibvf::dp
