#include "diag/DevicePluginView.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <system_error>

#include "deviceplugin/Config.hpp"
#include "deviceplugin/Discovery.hpp"
#include "deviceplugin/KubeletPaths.hpp"
#include "diag/SocketProbe.hpp"

namespace ibvf::diag {
namespace {

// The device plugin puts its sockets in the device-plugins directory (kubelet-sock registration)
// or in plugins_registry (plugins-registry registration); the report does not know which mode
// the daemon runs in, so it takes the socket that is served, else one that is left, else names
// the device-plugins one as missing.
std::pair<std::filesystem::path, SocketState> findSocket(const std::filesystem::path& devicePluginDir,
                                                         const std::string& name) {
    const std::filesystem::path candidates[] = {devicePluginDir / name, dp::pluginsRegistryDirOf(devicePluginDir) / name};
    std::optional<std::pair<std::filesystem::path, SocketState>> left;
    for (const auto& path : candidates) {
        const auto state = probeUnixSocket(path);
        if (state == SocketState::Listening) return {path, state};
        if (state == SocketState::NotListening && !left) left.emplace(path, state);
    }
    return left.value_or(std::pair{candidates[0], SocketState::Missing});
}

}  // namespace

DevicePluginView inspectDevicePlugin(const std::optional<std::filesystem::path>& explicitConfig,
                                     const std::optional<std::filesystem::path>& defaultConfig,
                                     const std::filesystem::path& socketDir,
                                     const kernel::Sysfs& sysfs) {
    DevicePluginView view;
    view.facts.socketDir = socketDir.string();
    std::error_code ec;
    if (explicitConfig) {
        view.facts.configPath = explicitConfig->string();
        view.facts.configExplicit = true;
    } else if (defaultConfig && std::filesystem::exists(*defaultConfig, ec)) {
        view.facts.configPath = defaultConfig->string();
    } else {
        return view;
    }

    dp::Config config;
    try {
        config = dp::loadConfig(*view.facts.configPath);
    } catch (const dp::ConfigError& e) {
        view.facts.configError = e.what();
        return view;
    }

    for (const auto& r : config.resources) {
        const auto [socket, state] = findSocket(socketDir, dp::socketNameFor(r));
        view.facts.resources.push_back(DevicePluginResourceFacts{r.resourceName(), socket.string(), std::string(socketStateName(state))});
        for (const auto& sel : r.selectors.pfNames) view.pfNetdevs.push_back(sel.netdev);
    }
    // The same discovery the daemon runs, so a VF is listed under a resource exactly when the
    // device plugin offers it.
    for (const auto& pool : dp::discover(config, sysfs)) {
        for (const auto& p : pool.problems) view.facts.poolProblems.push_back(pool.config.resourceName() + ": " + p);
        for (const auto& d : pool.devices) {
            if (d.pciAddress.empty()) continue;  // hca mode: shared IDs, no VF
            view.resourcesOf[d.pciAddress].push_back(pool.config.resourceName());
            if (!d.pfNetdev.empty()) view.pfNetdevs.push_back(d.pfNetdev);
        }
    }
    std::sort(view.pfNetdevs.begin(), view.pfNetdevs.end());
    view.pfNetdevs.erase(std::unique(view.pfNetdevs.begin(), view.pfNetdevs.end()), view.pfNetdevs.end());
    return view;
}

}  // namespace ibvf::diag
