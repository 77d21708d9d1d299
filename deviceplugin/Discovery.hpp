#pragma once
// Turns the config and the sysfs tree into the devices each resource offers. Stateless: it is
// run again on every refresh, so VFs added or removed (sriov_numvfs) show up without a restart.
#include <string>
#include <vector>

#include "deviceplugin/Config.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::dp {

struct DeviceRecord {
    std::string id;          // VF PCI address (sriov) or "0".."999" (hca)
    std::string pciAddress;  // empty in hca mode
    std::string pfPciAddress;
    std::string pfNetdev;  // whose link state decides health; empty: none to watch
    int vfIndex = -1;
    int numaNode = -1;       // -1: unknown (no topology reported)
    std::string rdmaDevice;  // "mlx5_3", empty when the VF has none
    bool present = true;     // false: the PF still lists the VF but its PCI device is gone
};

struct Pool {
    ResourceConfig config;
    std::vector<DeviceRecord> devices;  // sorted by PF, then VF index
    // Selected PFs that could not be used (missing netdev, not SR-IOV); the daemon logs them
    // when they change and keeps serving the rest, since a PF may appear later.
    std::vector<std::string> problems;
};

inline constexpr unsigned kHcaDeviceCount = 1000;

// A PF named by a selector that is missing or not an SR-IOV PF becomes a Pool::problems entry.
std::vector<Pool> discover(const Config& config, const linux::Sysfs& sysfs);

// Writes sriov_totalvfs to sriov_numvfs of every selected PF that has 0 VFs; returns how many
// PFs were changed. Throws KernelError naming the file on a failed write.
unsigned enableVfs(const Config& config, const linux::Sysfs& sysfs);

// /dev/infiniband/* for every RDMA device of the node (hca mode hands all of them).
std::vector<std::string> allRdmaCharDevices(const linux::Sysfs& sysfs);

}  // namespace ibvf::dp
