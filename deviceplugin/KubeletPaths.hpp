#pragma once
// Where kubelet keeps what the device plugin talks to, relative to its device-plugins directory
// (/var/lib/kubelet/device-plugins by default, IBVF_KUBELET_DIR in tests): shared by the daemon
// and ibvf-diag, so the report looks where the daemon puts its sockets.
#include <filesystem>

namespace ibvf::dp {

// "/var/lib/kubelet" for "/var/lib/kubelet/device-plugins" (with or without a trailing slash).
std::filesystem::path kubeletRootOf(const std::filesystem::path& devicePluginDir);

// <kubelet root>/plugins_registry: the sockets in plugins-registry registration mode.
std::filesystem::path pluginsRegistryDirOf(const std::filesystem::path& devicePluginDir);

}  // namespace ibvf::dp
