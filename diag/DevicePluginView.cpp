#include "diag/DevicePluginView.hpp"

#include <algorithm>
#include <system_error>

#include "deviceplugin/Config.hpp"
#include "deviceplugin/Discovery.hpp"
#include "diag/SocketProbe.hpp"

namespace ibvf::diag {

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
        const auto socket = socketDir / dp::socketNameFor(r);
        view.facts.resources.push_back(
            DevicePluginResourceFacts{r.resourceName(), socket.string(), std::string(socketStateName(probeUnixSocket(socket)))});
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
