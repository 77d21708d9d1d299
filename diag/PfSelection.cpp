#include "diag/PfSelection.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "linux/AtomicFile.hpp"

namespace ibvf::diag {
namespace {

constexpr int kArphrdInfiniband = 32;

void addSource(std::vector<SelectedPf>& out, const std::string& netdev, const std::string& source) {
    auto it = std::find_if(out.begin(), out.end(), [&](const SelectedPf& p) { return p.netdev == netdev; });
    if (it == out.end()) {
        out.push_back(SelectedPf{netdev, {}});
        it = out.end() - 1;
    }
    if (std::find(it->selectedBy.begin(), it->selectedBy.end(), source) == it->selectedBy.end()) it->selectedBy.push_back(source);
}

}  // namespace

int netdevType(const linux::Sysfs& sysfs, const std::string& netdev) {
    try {
        const auto text = linux::readFile(sysfs.netClassDir(netdev) / "type");
        if (!text) return -1;
        int type = -1;
        const char* end = text->data() + text->size();
        while (end > text->data() && (end[-1] == '\n' || end[-1] == ' ')) --end;
        const auto [p, ec] = std::from_chars(text->data(), end, type);
        return ec == std::errc() && p == end ? type : -1;
    } catch (const std::exception&) {
        return -1;
    }
}

std::vector<std::string> infinibandPfNetdevs(const linux::Sysfs& sysfs) {
    std::vector<std::string> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(sysfs.root() / "class/net", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (netdevType(sysfs, name) != kArphrdInfiniband) continue;
        try {
            sysfs.pfByNetdev(name);  // throws unless an SR-IOV PF
            out.push_back(name);
        } catch (const std::exception&) {
            // A VF's netdev, a child interface or a PF without SR-IOV: not a PF to report.
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<SelectedPf> selectPfs(const std::vector<std::string>& named, const std::vector<std::string>& fromDevicePlugin,
                                  const linux::Sysfs& sysfs) {
    std::vector<SelectedPf> out;
    if (!named.empty()) {
        for (const auto& n : named) addSource(out, n, "--pf");
        return out;
    }
    for (const auto& n : infinibandPfNetdevs(sysfs)) addSource(out, n, "auto");
    for (const auto& n : fromDevicePlugin) addSource(out, n, "device-plugin-config");
    return out;
}

}  // namespace ibvf::diag
