#include "diag/DevicePluginView.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "deviceplugin/CdiSpec.hpp"
#include "deviceplugin/Config.hpp"
#include "deviceplugin/Discovery.hpp"
#include "diag/SocketProbe.hpp"
#include "linux/AtomicFile.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::diag {
namespace {

// The device plugin puts its sockets in the device-plugins directory (kubelet-sock registration)
// or in plugins_registry (plugins-registry registration); the report does not know which mode
// the daemon runs in, so it takes the socket that is served, else one that is left, else names
// the device-plugins one as missing.
std::pair<std::filesystem::path, SocketState> findSocket(const std::filesystem::path& devicePluginDir, const std::string& name) {
    const std::filesystem::path candidates[] = {devicePluginDir / name, node::pluginsRegistryDirOf(devicePluginDir) / name};
    std::optional<std::pair<std::filesystem::path, SocketState>> left;
    for (const auto& path : candidates) {
        const auto state = probeUnixSocket(path);
        if (state == SocketState::Listening) return {path, state};
        if (state == SocketState::NotListening && !left) left.emplace(path, state);
    }
    return left.value_or(std::pair{candidates[0], SocketState::Missing});
}

// The spec the daemon keeps for the pool, and the pool's devices it does not name (a VF the
// runtime could not resolve if kubelet handed out its CDI name).
void inspectCdiSpec(const dp::Pool& pool, DevicePluginResourceFacts& res) {
    std::string kind;
    try {
        kind = dp::cdi::kindOf(pool.config);
    } catch (const std::invalid_argument&) {
        return;  // no CDI name: the daemon answers with device specs
    }
    const std::filesystem::path file = node::cdiDir() / dp::cdi::specFileName(kind);
    res.cdiSpec = file.string();
    std::optional<std::string> text;
    try {
        text = linux::readFile(file);
    } catch (const std::exception&) {
        res.cdiSpecState = "unreadable";
        return;
    }
    if (!text) {
        res.cdiSpecState = pool.devices.empty() ? "current" : "missing";  // no devices: no spec by design
        return;
    }
    const auto names = dp::cdi::deviceNamesInSpec(*text);
    if (!names) {
        res.cdiSpecState = "unreadable";
        return;
    }
    res.cdiSpecState = "current";
    for (const auto& d : pool.devices) {
        std::string name = dp::cdi::deviceNameOf(pool.config, d);
        if (std::find(names->begin(), names->end(), name) == names->end() &&
            std::find(res.cdiUnnamed.begin(), res.cdiUnnamed.end(), name) == res.cdiUnnamed.end())
            res.cdiUnnamed.push_back(std::move(name));
    }
}

}  // namespace

DevicePluginView inspectDevicePlugin(const std::optional<std::filesystem::path>& explicitConfig,
                                     const std::optional<std::filesystem::path>& defaultConfig, const std::filesystem::path& socketDir,
                                     const linux::Sysfs& sysfs) {
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
        DevicePluginResourceFacts res;
        res.name = r.resourceName();
        res.socket = socket.string();
        res.socketState = std::string(socketStateName(state));
        view.facts.resources.push_back(std::move(res));
        for (const auto& sel : r.selectors.pfNames) view.pfNetdevs.push_back(sel.netdev);
    }
    // The same discovery the daemon runs, so a VF is listed under a resource exactly when the
    // device plugin offers it.
    const auto pools = dp::discover(config, sysfs);
    if (config.cdi != dp::CdiMode::Off)
        for (std::size_t i = 0; i < pools.size() && i < view.facts.resources.size(); ++i) inspectCdiSpec(pools[i], view.facts.resources[i]);
    for (const auto& pool : pools) {
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
