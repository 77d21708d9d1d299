#pragma once
// The device plugin as ibvf-diag sees it: its config (parsed by the plugin's own parser), the
// pools its discovery makes of this node's sysfs, and whether its sockets are served.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "diag/NodeReport.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::diag {

struct DevicePluginView {
    DevicePluginFacts facts;
    std::vector<std::string> pfNetdevs;                           // PFs its pools draw from
    std::map<std::string, std::vector<std::string>> resourcesOf;  // VF PCI address -> resources
};

// `explicitConfig` set: that file must exist (its absence is a configError). Otherwise
// `defaultConfig` is read when it exists, and nothing is checked when it does not (or is nullopt).
// Each resource's socket is looked for in `socketDir` (kubelet's device-plugins directory) and in
// plugins_registry beside it, the two places the daemon's registration modes put it.
DevicePluginView inspectDevicePlugin(const std::optional<std::filesystem::path>& explicitConfig,
                                     const std::optional<std::filesystem::path>& defaultConfig, const std::filesystem::path& socketDir,
                                     const linux::Sysfs& sysfs);

}  // namespace ibvf::diag
