#pragma once
// Where ibvf keeps its files (docs/architecture.md lists them). Test-only overrides come from the
// environment, never from the network config, which a namespace user may write.
#include <filesystem>
#include <string_view>

namespace ibvf::plugin {

struct StatePaths {
    std::filesystem::path attachments;  // <state root>/ibvf            (state root: IBVF_STATE_DIR or /var/lib/cni)
    std::filesystem::path locks;        // <run dir>/locks              (run dir: IBVF_RUN_DIR or /run/ibvf)
    std::filesystem::path allocations;  // <run dir>/allocations        (device plugin records)
    // The only directory runtimeConfig.CNIDeviceInfoFile may name (IBVF_CNI_DEVINFO_DIR in tests).
    std::filesystem::path deviceInfo = "/var/run/k8s.cni.cncf.io/devinfo/cni";

    static StatePaths fromEnvironment();
    std::filesystem::path vfLock(std::string_view pciAddress) const;
    std::filesystem::path pfLock(std::string_view pfPciAddress) const;
    // Held shared by every ADD for its whole run, exclusively by GC while it collects the IPAM:
    // GC then sees no allocation whose attachment state it could not have read.
    std::filesystem::path gcLock() const;
    // Written by ibvf-device-plugin on Allocate.
    std::filesystem::path allocationRecord(std::string_view pciAddress) const;
    // ibvf-device-plugin's list of the VFs it offers kubelet, beside the records.
    std::filesystem::path advertisedVfs() const { return allocations.parent_path() / "advertised.json"; }
};

}  // namespace ibvf::plugin
