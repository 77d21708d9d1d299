#include "deviceplugin/Discovery.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <system_error>

#include "linux/AtomicFile.hpp"
#include "linux/IbIdentity.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::dp {
namespace {

namespace fs = std::filesystem;

std::string readTrimmed(const fs::path& file) {
    std::ifstream in(file);
    std::string s;
    std::getline(in, s);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string pciId(const fs::path& file) {
    std::string s = readTrimmed(file);
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x') s = s.substr(2);
    return s;
}

int intAttribute(const fs::path& file, int fallback) {
    const std::string s = readTrimmed(file);
    if (s.empty()) return fallback;
    try {
        return std::stoi(s);
    } catch (const std::exception&) {
        return fallback;
    }
}

std::string driverOf(const fs::path& dev) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(dev / "driver", ec);
    return ec ? std::string() : target.filename().string();
}

bool contains(const std::vector<std::string>& list, const std::string& v) { return std::find(list.begin(), list.end(), v) != list.end(); }

constexpr int kMaxVfsPerPf = 0xffff;

struct PfCandidate {
    std::string netdev;
    const PfSelector* selector = nullptr;  // nullptr: every VF
};

std::vector<std::string> listDir(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Every SR-IOV PF on the bus, keyed by PCI address, with its first netdev.
std::map<std::string, PfCandidate> allPfs(const linux::Sysfs& sysfs) {
    std::map<std::string, PfCandidate> out;
    for (const auto& bdf : listDir(sysfs.root() / "bus/pci/devices")) {
        const fs::path dev = sysfs.pciDeviceDir(bdf);
        std::error_code ec;
        if (!fs::exists(dev / "sriov_totalvfs", ec)) continue;
        const auto nets = listDir(dev / "net");
        out[bdf] = PfCandidate{nets.empty() ? std::string() : nets.front(), nullptr};
    }
    return out;
}

std::map<std::string, PfCandidate> selectedPfs(const ResourceConfig& r, const linux::Sysfs& sysfs, std::vector<std::string>& problems) {
    if (r.selectors.pfNames.empty()) return allPfs(sysfs);
    std::map<std::string, PfCandidate> out;
    for (const PfSelector& sel : r.selectors.pfNames) {
        try {
            const auto pci = sysfs.pciAddressOfNetdev(sel.netdev);
            if (!pci) {
                problems.push_back("PF " + sel.netdev + " is not a PCI device");
                continue;
            }
            out[*pci] = PfCandidate{sel.netdev, &sel};
        } catch (const std::exception& e) {
            problems.push_back("PF " + sel.netdev + ": " + e.what());
        }
    }
    return out;
}

std::string firstRdmaDevice(const fs::path& dev);

// A used entry of the VF's pkey table is in one of the selected partitions.
bool inSelectedPartition(const Selectors& s, const linux::Sysfs& sysfs, const fs::path& vfDir) {
    const auto device = firstRdmaDevice(vfDir);
    if (device.empty()) return false;
    const auto table = linux::readPkeyTable(sysfs, device);
    return std::any_of(table.begin(), table.end(), [&](std::uint16_t pkey) {
        return std::find(s.pKeys.begin(), s.pKeys.end(), static_cast<std::uint16_t>(pkey & 0x7fffU)) != s.pKeys.end();
    });
}

bool matchesVf(const Selectors& s, const linux::Sysfs& sysfs, const fs::path& vfDir, const fs::path& pfDir, const std::string& pfNetdev) {
    if (!s.vendors.empty() && !contains(s.vendors, pciId(vfDir / "vendor"))) return false;
    if (!s.devices.empty() && !contains(s.devices, pciId(vfDir / "device"))) return false;
    if (!s.drivers.empty() && !contains(s.drivers, driverOf(vfDir))) return false;
    if (!s.linkTypes.empty()) {
        const int type = pfNetdev.empty() ? -1 : intAttribute(pfDir / "net" / pfNetdev / "type", -1);
        if (std::find(s.linkTypes.begin(), s.linkTypes.end(), type) == s.linkTypes.end()) return false;
    }
    if (!s.pKeys.empty() && !inSelectedPartition(s, sysfs, vfDir)) return false;
    return true;
}

std::string firstRdmaDevice(const fs::path& dev) {
    const auto names = listDir(dev / "infiniband");
    return names.empty() ? std::string() : names.front();
}

void discoverSriov(const ResourceConfig& r, const linux::Sysfs& sysfs, Pool& pool) {
    for (const auto& [pfBdf, pf] : selectedPfs(r, sysfs, pool.problems)) {
        const fs::path pfDir = sysfs.pciDeviceDir(pfBdf);
        const int numVfs = intAttribute(pfDir / "sriov_numvfs", -1);
        if (numVfs < 0) {
            pool.problems.push_back("PF " + pf.netdev + " (" + pfBdf + ") is not an SR-IOV PF");
            continue;
        }
        // SR-IOV's NumVFs register is 16 bits wide: a larger count is not a PF's, and walking
        // that many virtfn links would stall every refresh (found by fuzzing).
        if (numVfs > kMaxVfsPerPf) {
            pool.problems.push_back("PF " + pf.netdev + " (" + pfBdf + "): sriov_numvfs " + std::to_string(numVfs) +
                                    " is more than a PF can have");
            continue;
        }
        const int pfNuma = intAttribute(pfDir / "numa_node", -1);
        for (int i = 0; i < numVfs; ++i) {
            const auto index = static_cast<unsigned>(i);
            if (pf.selector != nullptr && !pf.selector->takesVf(index)) continue;
            // readlink, not canonical: a VF that vanished leaves the link dangling and must stay
            // listed (Unhealthy) rather than silently drop out of the pool.
            std::error_code ec;
            const fs::path target = fs::read_symlink(pfDir / ("virtfn" + std::to_string(i)), ec);
            if (ec) continue;  // numvfs change in progress
            DeviceRecord d;
            d.pciAddress = target.filename().string();
            // The ID goes to kubelet and into paths: a link to anything but a PCI device is no VF
            // (a virtfn link to ".." was offered as device ".."; found by fuzzing).
            if (!linux::isValidPciAddress(d.pciAddress)) continue;
            d.id = d.pciAddress;
            d.pfPciAddress = pfBdf;
            d.pfNetdev = pf.netdev;
            d.vfIndex = i;
            const fs::path vfDir = sysfs.pciDeviceDir(d.pciAddress);
            d.present = fs::exists(vfDir, ec);
            if (d.present) {
                if (!matchesVf(r.selectors, sysfs, vfDir, pfDir, pf.netdev)) continue;
                d.numaNode = intAttribute(vfDir / "numa_node", pfNuma);
                d.rdmaDevice = firstRdmaDevice(vfDir);
            } else {
                d.numaNode = pfNuma;
            }
            pool.devices.push_back(std::move(d));
        }
    }
}

}  // namespace

std::vector<Pool> discover(const Config& config, const linux::Sysfs& sysfs) {
    std::vector<Pool> pools;
    for (const auto& r : config.resources) {
        Pool pool{r, {}, {}};
        if (r.mode == PoolMode::Hca) {
            pool.devices.reserve(kHcaDeviceCount);
            for (unsigned i = 0; i < kHcaDeviceCount; ++i) {
                DeviceRecord d;
                d.id = std::to_string(i);
                pool.devices.push_back(std::move(d));
            }
        } else {
            discoverSriov(r, sysfs, pool);
        }
        pools.push_back(std::move(pool));
    }
    return pools;
}

unsigned enableVfs(const Config& config, const linux::Sysfs& sysfs) {
    if (!config.enableVfs) return 0;
    unsigned changed = 0;
    for (const auto& r : config.resources) {
        if (r.mode != PoolMode::Sriov) continue;
        std::vector<std::string> ignored;  // discover() reports them
        for (const auto& [pfBdf, pf] : selectedPfs(r, sysfs, ignored)) {
            const fs::path dir = sysfs.pciDeviceDir(pfBdf);
            if (intAttribute(dir / "sriov_numvfs", -1) != 0) continue;
            const int total = intAttribute(dir / "sriov_totalvfs", 0);
            if (total <= 0) continue;
            std::ofstream out(dir / "sriov_numvfs");
            out << total;
            out.flush();
            if (!out) throw linux::KernelError(EIO, "write " + (dir / "sriov_numvfs").string());
            ++changed;
        }
    }
    return changed;
}

std::vector<std::string> allRdmaCharDevices(const linux::Sysfs& sysfs) {
    std::vector<std::string> out;
    for (const char* cls : {"class/infiniband_verbs", "class/infiniband_mad"}) {
        for (const auto& name : listDir(sysfs.root() / cls)) {
            if (name == "abi_version") continue;
            out.push_back("/dev/infiniband/" + name);
        }
    }
    return out;
}

}  // namespace ibvf::dp
