#pragma once
// A PluginLab node (one PF, VFs as veth stand-ins, private state dirs) plus a kubelet
// device-plugin dir, and ibvf-diag run against it as an operator would.
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "integration/plugin/PluginLab.hpp"
#include "linux/Fd.hpp"
#include "linux/RouteSocket.hpp"
#include "support/BinaryRunner.hpp"
#include "support/ScratchDir.hpp"

namespace ibvf::test {

// A unix socket listening at `path` (a stand-in for a device plugin's gRPC socket); close()
// stops serving but leaves the file, as a killed device plugin does.
class ListeningSocket {
public:
    explicit ListeningSocket(const std::filesystem::path& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string p = path.string();
        if (!fd_ || p.size() >= sizeof addr.sun_path) throw std::runtime_error("socket for " + p);
        std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
        if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_.get(), 4) != 0)
            throw std::runtime_error("bind/listen " + p + ": " + std::strerror(errno));
    }
    void close() { fd_.reset(); }

private:
    linux::Fd fd_;
};

class DiagLab {
public:
    explicit DiagLab(unsigned vfCount = 2) : lab(vfCount) {
        // The PF is judged on its link: bring both ends of its veth up so it has a carrier.
        linux::RouteSocket host;
        for (const auto& name : {lab.pfVeth().a(), lab.pfVeth().b()}) host.setAdminUp(host.linkByName(name)->ifindex, true);
        std::filesystem::create_directories(kubeletDir());
        std::filesystem::create_directories(pluginsRegistryDir());
    }

    std::map<std::string, std::string> env() const {
        auto e = lab.nodeEnv("DEL");
        e.erase("CNI_COMMAND");
        e.erase("CNI_PATH");
        e["IBVF_KUBELET_DIR"] = kubeletDir().string();
        return e;
    }
    // <kubelet root>/device-plugins, as on a node: plugins_registry is its sibling.
    std::filesystem::path kubeletDir() const { return kubelet_.path() / "device-plugins"; }
    std::filesystem::path pluginsRegistryDir() const { return kubelet_.path() / "plugins_registry"; }
    std::filesystem::path runDir() const { return lab.stateDir() / "run"; }
    std::filesystem::path allocationsDir() const { return runDir() / "allocations"; }

    // The host's /etc/ibvf/device-plugin.json, if it has one, is not the lab's: a report looks
    // at a device plugin config only when the test names one.
    RunResult diag(std::vector<std::string> args) const {
        const bool report = args.empty() || args.front() != "check-config";
        if (report && std::find(args.begin(), args.end(), "--device-plugin-config") == args.end())
            args.push_back("--no-device-plugin-config");
        return BinaryRunner("ibvf-diag").run(args, env());
    }
    // The report on the lab's PF, as JSON.
    RunResult report(std::vector<std::string> extra = {}) const {
        std::vector<std::string> args{"--json", "--pf", lab.pfNetdev()};
        args.insert(args.end(), extra.begin(), extra.end());
        return diag(args);
    }

    // A device plugin config serving every VF of the lab's PF as rdma/vhca.
    std::filesystem::path writeDevicePluginConfig() const {
        const auto path = kubelet_.path() / "device-plugin.json";
        std::ofstream(path) << R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})";
        return path;
    }

    PluginLab lab;

private:
    ScratchDir kubelet_;
};

// Kinds of the problems in a --json report, in order.
inline std::vector<std::string> problemKinds(const rapidjson::Document& report) {
    std::vector<std::string> kinds;
    for (const auto& p : report["problems"].GetArray()) kinds.emplace_back(p["kind"].GetString());
    return kinds;
}

inline const rapidjson::Value& vfOf(const rapidjson::Document& report, unsigned index) { return report["pfs"][0]["vfs"][index]; }

}  // namespace ibvf::test
