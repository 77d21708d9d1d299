#pragma once
// Every file and directory ibvf uses on a node, and the environment variable that moves each one
// (docs/architecture.md lists them for operators). The plugin, the IPAM, the device plugin, the
// installer and ibvf-diag all take their paths from here, so a reader always looks where the
// writer wrote. The overrides are for tests and unusual layouts; they come only from the
// environment, never from a network config, which a namespace user may write. A variable that is
// set but empty counts as unset.
#include <filesystem>
#include <string>
#include <string_view>

namespace ibvf::node {

// A path the environment may move: `env` when set and non-empty, else `fallback`.
struct PathOverride {
    const char* env;
    const char* fallback;
};

// What the CNI runtime keeps across reboots: attachment states, VF claims, IP leases.
inline constexpr PathOverride kStateRoot{"IBVF_STATE_DIR", "/var/lib/cni"};
// What lives as long as the boot: locks, the device plugin's allocation records and advertised VFs.
inline constexpr PathOverride kRunDir{"IBVF_RUN_DIR", "/run/ibvf"};
// kubelet's device-plugins directory (kubelet.sock, the device plugin's sockets).
inline constexpr PathOverride kKubeletDevicePluginsDir{"IBVF_KUBELET_DIR", "/var/lib/kubelet/device-plugins"};
// Multus device-info files: written by the device plugin, and by `ibvf` when a runtime asks.
inline constexpr PathOverride kDevicePluginDevinfoDir{"IBVF_DEVINFO_DIR", "/var/run/k8s.cni.cncf.io/devinfo/dp"};
inline constexpr PathOverride kCniDevinfoDir{"IBVF_CNI_DEVINFO_DIR", "/var/run/k8s.cni.cncf.io/devinfo/cni"};
// The device plugin's CDI specs (container runtimes read /etc/cdi and /var/run/cdi).
inline constexpr PathOverride kCdiDir{"IBVF_CDI_DIR", "/var/run/cdi"};
inline constexpr PathOverride kLogDir{"IBVF_LOG_DIR", "/var/log/ibvf"};
// The etcd IPAM backend's node policy: its TLS files and its endpoint allow-list.
inline constexpr PathOverride kEtcdTlsDir{"IBVF_ETCD_TLS_DIR", "/etc/ibvf/etcd-tls"};
inline constexpr PathOverride kEtcdEndpointsFile{"IBVF_ETCD_ENDPOINTS_FILE", "/etc/ibvf/etcd-endpoints"};
// The sriov-network-operator's GUID file: IBVF_GUID_FILE, else the first of these that exists.
inline constexpr const char* kGuidFileEnv = "IBVF_GUID_FILE";
inline constexpr const char* kOperatorGuidFiles[] = {"/etc/sriov-operator/infiniband/guids", "/var/opt/infiniband_guids"};
// The device plugin's config (a command-line flag moves it, not the environment).
inline constexpr const char* kDevicePluginConfig = "/etc/ibvf/device-plugin.json";
// sysfs: IBVF_SYSFS_ROOT or /sys, read by linux::Sysfs::fromEnvironment (lib/linux sits below this).

std::filesystem::path fromEnvironment(const PathOverride& path);

std::filesystem::path stateRoot();  // IBVF_STATE_DIR or /var/lib/cni
std::filesystem::path runDir();     // IBVF_RUN_DIR or /run/ibvf
std::filesystem::path kubeletDevicePluginsDir();
std::filesystem::path devicePluginDevinfoDir();
std::filesystem::path cniDevinfoDir();  // the only directory runtimeConfig.CNIDeviceInfoFile may name
std::filesystem::path cdiDir();
std::string logDir();  // without trailing '/'
std::string etcdTlsDir();
std::string etcdEndpointsFile();
std::filesystem::path guidFile();
std::filesystem::path sysfsRoot();

// Beneath the state root.
std::filesystem::path attachmentsDirIn(const std::filesystem::path& stateRoot);  // <root>/ibvf
std::filesystem::path ipamDataDirIn(const std::filesystem::path& stateRoot);     // <root>/ibvf-ipam (the default dataDir)
// In the attachments directory: <containerId>:<ifname>.json, an attachment's state, and
// vf/<pci address>, the claim naming the attachment that holds the VF (node/AttachmentState.hpp).
std::filesystem::path attachmentStateFileIn(const std::filesystem::path& attachmentsDir, const std::string& containerId,
                                            const std::string& ifname);
std::filesystem::path vfClaimsDirIn(const std::filesystem::path& attachmentsDir);
std::filesystem::path vfClaimFileIn(const std::filesystem::path& attachmentsDir, std::string_view pciAddress);

// Beneath the run dir. `allocationsDir` is <run dir>/allocations; advertised.json sits beside it.
std::filesystem::path locksDirIn(const std::filesystem::path& runDir);
std::filesystem::path allocationsDirIn(const std::filesystem::path& runDir);
std::filesystem::path advertisedVfsFileBeside(const std::filesystem::path& allocationsDir);
std::filesystem::path allocationRecordIn(const std::filesystem::path& allocationsDir, std::string_view pciAddress);

// The lock files in the locks directory: one per VF, one per PF, and GC's.
std::filesystem::path vfLockIn(const std::filesystem::path& locksDir, std::string_view pciAddress);
std::filesystem::path pfLockIn(const std::filesystem::path& locksDir, std::string_view pfPciAddress);
std::filesystem::path gcLockIn(const std::filesystem::path& locksDir);

// Relative to kubelet's device-plugins directory: "/var/lib/kubelet" for
// "/var/lib/kubelet/device-plugins" (with or without a trailing slash).
std::filesystem::path kubeletRootOf(const std::filesystem::path& devicePluginsDir);
// <kubelet root>/plugins_registry: the sockets in plugins-registry registration mode.
std::filesystem::path pluginsRegistryDirOf(const std::filesystem::path& devicePluginsDir);
// <kubelet root>/pod-resources/kubelet.sock: kubelet's pod-resources API.
std::filesystem::path podResourcesSocketOf(const std::filesystem::path& devicePluginsDir);

}  // namespace ibvf::node
