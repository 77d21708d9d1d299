#pragma once
// The directories `ibvf` works in, as one value a test can point elsewhere. Where they are on a
// node, and the environment variables that move them, is lib/node/NodePaths.hpp's to say.
#include <filesystem>
#include <string_view>

#include "node/NodePaths.hpp"

namespace ibvf::plugin {

struct StatePaths {
    std::filesystem::path attachments;  // <state root>/ibvf
    std::filesystem::path locks;        // <run dir>/locks
    std::filesystem::path allocations;  // <run dir>/allocations        (device plugin records)
    // The only directory runtimeConfig.CNIDeviceInfoFile may name.
    std::filesystem::path deviceInfo = node::kCniDevinfoDir.fallback;

    static StatePaths fromEnvironment();
    std::filesystem::path vfLock(std::string_view pciAddress) const { return node::vfLockIn(locks, pciAddress); }
    std::filesystem::path pfLock(std::string_view pfPciAddress) const { return node::pfLockIn(locks, pfPciAddress); }
    // Held shared by every ADD for its whole run, exclusively by GC while it collects the IPAM:
    // GC then sees no allocation whose attachment state it could not have read.
    std::filesystem::path gcLock() const { return node::gcLockIn(locks); }
    // Written by ibvf-device-plugin on Allocate.
    std::filesystem::path allocationRecord(std::string_view pciAddress) const { return node::allocationRecordIn(allocations, pciAddress); }
    // ibvf-device-plugin's list of the VFs it offers kubelet, beside the records.
    std::filesystem::path advertisedVfs() const { return node::advertisedVfsFileBeside(allocations); }
};

}  // namespace ibvf::plugin
