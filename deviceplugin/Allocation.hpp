#pragma once
// What Allocate hands a container, and the files it leaves behind: the device-info file Multus
// reads (one per VF) and the allocation record `ibvf` and `ibvf-diag` read (one per VF,
// node/AllocationRecord.hpp).
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "deviceplugin/Discovery.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::dp {

// Where Allocate writes (lib/node/NodePaths.hpp has where that is on a node).
struct AllocationPaths {
    std::filesystem::path devinfoDir;      // the device plugin's Multus device-info directory
    std::filesystem::path allocationsDir;  // <run dir>/allocations

    static AllocationPaths fromEnvironment();
};

struct DeviceSpecEntry {
    std::string path;         // same path on host and in the container
    std::string permissions;  // "rwm"
};

struct ContainerAllocation {
    std::vector<std::pair<std::string, std::string>> envs;
    std::vector<DeviceSpecEntry> devices;
};

// Throws std::invalid_argument naming the ID when it is not a device of the pool (kubelet then
// fails the pod instead of starting it without its VF).
ContainerAllocation allocateContainer(const Pool& pool, const std::vector<std::string>& ids, const linux::Sysfs& sysfs,
                                      const AllocationPaths& paths);

// "<prefix>-<name>-<bdf>-device.json"
std::string devinfoFileName(const ResourceConfig& resource, const std::string& bdf);

// Held while records are written or reclaimed. Only this process writes records, so an
// in-process lock is enough to keep a reclaim from removing a record an Allocate just rewrote.
std::mutex& allocationRecordsMutex();

}  // namespace ibvf::dp
