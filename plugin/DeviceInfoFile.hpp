#pragma once
// The device-info file of the Network Plumbing WG device-info spec (v1.1.0) that Multus names in
// runtimeConfig.CNIDeviceInfoFile and copies into the pod's network-status annotation: how a pod
// learns which RDMA device came with its VF. Multus may have copied the device plugin's file there
// already; ours adds to it instead of replacing it.
#include <filesystem>
#include <optional>
#include <string>

namespace ibvf::plugin {

// The path Multus asked for, accepted only inside `dir` (a netconf is written by namespace users:
// it must not name an arbitrary file for a root process to write). cni::Error(InvalidNetworkConfig).
std::filesystem::path confineDeviceInfoPath(const std::string& requested, const std::filesystem::path& dir);

struct DeviceInfoWrite {
    std::filesystem::path path;
    std::optional<std::string> previous;  // the file before, nullopt when there was none
};

// Sets type "pci", version, pci-address, pf-pci-address and (when given) rdma-device, keeping every
// other field of a file already there. cni::Error(SystemFailure) naming the path.
DeviceInfoWrite publishDeviceInfo(const std::filesystem::path& path, const std::string& pciAddress, const std::string& pfPciAddress,
                                  const std::optional<std::string>& rdmaDevice);

// Puts back what publishDeviceInfo replaced (or removes what it created).
void revertDeviceInfo(const DeviceInfoWrite& write);

}  // namespace ibvf::plugin
