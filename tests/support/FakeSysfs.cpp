#include "support/FakeSysfs.hpp"

#include <cstdio>

#include <stdlib.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace ibvf::test {
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) throw std::runtime_error("FakeSysfs: cannot write " + path.string());
}

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void requireName(const std::string& name, const char* what) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        throw std::logic_error(std::string("FakeSysfs: bad ") + what + " \"" + name + "\"");
    }
}

}  // namespace

FakeSysfs::FakeSysfs() {
    std::string pattern = (fs::temp_directory_path() / "ibvf-sysfs-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "FakeSysfs: mkdtemp " + pattern);
    }
    root_ = pattern;
    for (const char* dir : {"bus/pci/devices", "bus/pci/drivers", "class/net", "class/infiniband", "class/infiniband_verbs",
                            "class/infiniband_mad", "devices/virtual/net"}) {
        fs::create_directories(root_ / dir);
    }
    writeText(root_ / "class/infiniband_verbs/abi_version", "6\n");
    writeText(root_ / "class/infiniband_mad/abi_version", "5\n");
}

FakeSysfs::~FakeSysfs() {
    std::error_code ec;
    fs::remove_all(root_, ec);
}

std::pair<std::string, std::string> FakeSysfs::envVar() const { return {"IBVF_SYSFS_ROOT", root_.string()}; }

std::string FakeSysfs::envEntry() const { return "IBVF_SYSFS_ROOT=" + root_.string(); }

fs::path FakeSysfs::devicePath(const std::string& bdf) const {
    const std::string domain = bdf.substr(0, 4);
    return root_ / "devices" / ("pci" + domain + ":00") / (domain + ":00:01.0") / bdf;
}

fs::path FakeSysfs::deviceDir(const std::string& bdf) const {
    if (!pfs_.count(bdf) && !vfs_.count(bdf)) throw std::logic_error("FakeSysfs: no device " + bdf);
    return devicePath(bdf);
}

// The kernel writes a link as the way up from the link's directory to the target's parent,
// then the target's name: a netdev's device link is "../../../<bdf>", not "../..".
void FakeSysfs::link(const fs::path& at, const fs::path& target) {
    fs::create_symlink(target.parent_path().lexically_relative(at.parent_path()) / target.filename(), at);
}

void FakeSysfs::createDevice(const std::string& bdf, const std::string& driver, int numaNode) {
    if (bdf.size() != 12) throw std::logic_error("FakeSysfs: bad PCI address \"" + bdf + "\"");
    if (pfs_.count(bdf) || vfs_.count(bdf)) throw std::logic_error("FakeSysfs: device " + bdf + " exists");
    const fs::path dir = devicePath(bdf);
    fs::create_directories(dir);
    link(root_ / "bus/pci/devices" / bdf, dir);
    writeText(dir / "numa_node", std::to_string(numaNode) + "\n");
    writeText(dir / "vendor", "0x15b3\n");
    if (!driver.empty()) {
        ensureDriver(driver);
        link(dir / "driver", root_ / "bus/pci/drivers" / driver);
        link(root_ / "bus/pci/drivers" / driver / bdf, dir);
    }
}

void FakeSysfs::ensureDriver(const std::string& driver) {
    requireName(driver, "driver");
    const fs::path dir = root_ / "bus/pci/drivers" / driver;
    if (fs::exists(dir)) return;
    fs::create_directories(dir);
    writeText(dir / "bind", "");
    writeText(dir / "unbind", "");
}

void FakeSysfs::addNetdevTo(const fs::path& deviceDir, const std::string& name, int netType) {
    requireName(name, "netdev");
    if (fs::exists(fs::symlink_status(root_ / "class/net" / name))) throw std::logic_error("FakeSysfs: netdev " + name + " exists");
    const fs::path dir = deviceDir / "net" / name;
    fs::create_directories(dir);
    link(dir / "device", deviceDir);
    writeText(dir / "type", std::to_string(netType) + "\n");
    link(root_ / "class/net" / name, dir);
}

void FakeSysfs::removeNetdevsOf(const fs::path& deviceDir) {
    const fs::path net = deviceDir / "net";
    if (!fs::exists(net)) return;
    for (const auto& entry : fs::directory_iterator(net)) fs::remove(root_ / "class/net" / entry.path().filename());
    // The kernel drops the empty net/ glue directory too.
    fs::remove_all(net);
}

void FakeSysfs::addRdmaTo(const fs::path& deviceDir, const std::string& rdmaDevice) {
    requireName(rdmaDevice, "RDMA device");
    if (fs::exists(fs::symlink_status(root_ / "class/infiniband" / rdmaDevice))) {
        throw std::logic_error("FakeSysfs: RDMA device " + rdmaDevice + " exists");
    }
    const fs::path dir = deviceDir / "infiniband" / rdmaDevice;
    fs::create_directories(dir);
    link(dir / "device", deviceDir);
    link(root_ / "class/infiniband" / rdmaDevice, dir);
}

void FakeSysfs::setIbIdentity(const std::string& rdmaDevice, std::uint64_t nodeGuid, std::uint64_t portGuid,
                              const std::vector<std::uint16_t>& pkeys) {
    const fs::path dir = root_ / "class/infiniband" / rdmaDevice;
    if (!fs::exists(dir)) throw std::logic_error("FakeSysfs: no RDMA device " + rdmaDevice);
    const auto groups = [](std::uint64_t v) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%04x:%04x:%04x:%04x", static_cast<unsigned>((v >> 48U) & 0xffffU),
                      static_cast<unsigned>((v >> 32U) & 0xffffU), static_cast<unsigned>((v >> 16U) & 0xffffU),
                      static_cast<unsigned>(v & 0xffffU));
        return std::string(buf);
    };
    writeText(dir / "node_guid", groups(nodeGuid) + "\n");
    fs::create_directories(dir / "ports/1/gids");
    fs::create_directories(dir / "ports/1/pkeys");
    writeText(dir / "ports/1/gids/0", "fe80:0000:0000:0000:" + groups(portGuid) + "\n");
    for (std::size_t i = 0; i < pkeys.size(); ++i) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(pkeys[i]));
        writeText(dir / "ports/1/pkeys" / std::to_string(i), std::string(buf) + "\n");
    }
}

void FakeSysfs::setRdmaPortFile(const std::string& rdmaDevice, unsigned port, const std::string& relPath, const std::string& content) {
    const fs::path dir = root_ / "class/infiniband" / rdmaDevice;
    if (!fs::exists(dir)) throw std::logic_error("FakeSysfs: no RDMA device " + rdmaDevice);
    const fs::path file = dir / "ports" / std::to_string(port) / relPath;
    fs::create_directories(file.parent_path());
    writeText(file, content + "\n");
}

void FakeSysfs::setNodeGuid(const std::string& rdmaDevice, const std::string& sysfsText) {
    const fs::path dir = root_ / "class/infiniband" / rdmaDevice;
    if (!fs::exists(dir)) throw std::logic_error("FakeSysfs: no RDMA device " + rdmaDevice);
    writeText(dir / "node_guid", sysfsText + "\n");
}

void FakeSysfs::writeNumVfs(const std::string& pfBdf) {
    writeText(devicePath(pfBdf) / "sriov_numvfs", std::to_string(pfs_.at(pfBdf).numVfs) + "\n");
}

void FakeSysfs::addPf(const std::string& pfBdf, const std::string& netdev, unsigned totalVfs, const FakePfOptions& options) {
    createDevice(pfBdf, options.driver, options.numaNode);
    Pf& pf = pfs_[pfBdf];
    pf.numaNode = options.numaNode;
    pf.totalVfs = totalVfs;
    const fs::path dir = devicePath(pfBdf);
    writeText(dir / "sriov_totalvfs", std::to_string(totalVfs) + "\n");
    writeNumVfs(pfBdf);
    if (!netdev.empty()) addNetdevTo(dir, netdev, options.netType);
    if (options.rdmaDevice) addRdmaTo(dir, *options.rdmaDevice);
}

void FakeSysfs::addVf(const std::string& pfBdf, unsigned index, const std::string& vfBdf, const FakeVfOptions& options) {
    const auto it = pfs_.find(pfBdf);
    if (it == pfs_.end()) throw std::logic_error("FakeSysfs: no PF " + pfBdf);
    Pf& pf = it->second;
    if (index >= pf.totalVfs) throw std::logic_error("FakeSysfs: VF index " + std::to_string(index) + " >= sriov_totalvfs of " + pfBdf);
    if (pf.vfs.count(index)) throw std::logic_error("FakeSysfs: " + pfBdf + " already has VF " + std::to_string(index));

    createDevice(vfBdf, options.driver, options.numaNode.value_or(pf.numaNode));
    vfs_[vfBdf] = Vf{pfBdf, index};
    pf.vfs[index] = vfBdf;
    const fs::path dir = devicePath(vfBdf);
    const fs::path pfDir = devicePath(pfBdf);
    link(dir / "physfn", pfDir);
    const fs::path virtfn = pfDir / ("virtfn" + std::to_string(index));
    fs::remove(virtfn);  // a dangling one left by removeVf
    link(virtfn, dir);
    if (pf.numVfs < index + 1) {
        pf.numVfs = index + 1;
        writeNumVfs(pfBdf);
    }
    if (options.netdev) addNetdevTo(dir, *options.netdev, options.netType);
    if (options.rdmaDevice) addRdmaTo(dir, *options.rdmaDevice);
}

void FakeSysfs::deleteVf(const std::string& vfBdf, bool dropVirtfn) {
    const auto it = vfs_.find(vfBdf);
    if (it == vfs_.end()) throw std::logic_error("FakeSysfs: no VF " + vfBdf);
    Pf& pf = pfs_.at(it->second.pf);
    if (dropVirtfn) fs::remove(devicePath(it->second.pf) / ("virtfn" + std::to_string(it->second.index)));
    pf.vfs.erase(it->second.index);
    vfs_.erase(it);
    fs::remove_all(devicePath(vfBdf));
    pruneDanglingLinks();
}

void FakeSysfs::setNumVfs(const std::string& pfBdf, unsigned n) {
    const auto it = pfs_.find(pfBdf);
    if (it == pfs_.end()) throw std::logic_error("FakeSysfs: no PF " + pfBdf);
    if (n > it->second.totalVfs) throw std::logic_error("FakeSysfs: numvfs " + std::to_string(n) + " > sriov_totalvfs of " + pfBdf);
    std::vector<std::string> doomed;
    for (const auto& [index, bdf] : it->second.vfs) {
        if (index >= n) doomed.push_back(bdf);
    }
    for (const auto& bdf : doomed) deleteVf(bdf, true);
    // Dangling virtfn links of hot-removed VFs at or above n go with sriov_disable too.
    for (unsigned i = n; i < it->second.totalVfs; ++i) fs::remove(devicePath(pfBdf) / ("virtfn" + std::to_string(i)));
    it->second.numVfs = n;
    writeNumVfs(pfBdf);
}

void FakeSysfs::removeVf(const std::string& vfBdf) { deleteVf(vfBdf, false); }

void FakeSysfs::setVfNetdev(const std::string& vfBdf, const std::optional<std::string>& netdev, int netType) {
    if (!vfs_.count(vfBdf)) throw std::logic_error("FakeSysfs: no VF " + vfBdf);
    const fs::path dir = devicePath(vfBdf);
    removeNetdevsOf(dir);
    if (netdev) addNetdevTo(dir, *netdev, netType);
}

void FakeSysfs::setDriver(const std::string& bdf, const std::string& driver) {
    const fs::path dir = deviceDir(bdf);
    const fs::path current = dir / "driver";
    if (fs::is_symlink(current)) {
        fs::remove(root_ / "bus/pci/drivers" / fs::read_symlink(current).filename() / bdf);
        fs::remove(current);
    }
    if (driver.empty()) return;
    ensureDriver(driver);
    link(current, root_ / "bus/pci/drivers" / driver);
    link(root_ / "bus/pci/drivers" / driver / bdf, dir);
}

void FakeSysfs::setNumaNode(const std::string& bdf, int node) { writeText(deviceDir(bdf) / "numa_node", std::to_string(node) + "\n"); }

void FakeSysfs::addVirtualNetdev(const std::string& name, int netType) {
    requireName(name, "netdev");
    if (fs::exists(fs::symlink_status(root_ / "class/net" / name))) throw std::logic_error("FakeSysfs: netdev " + name + " exists");
    const fs::path dir = root_ / "devices/virtual/net" / name;
    fs::create_directories(dir);
    writeText(dir / "type", std::to_string(netType) + "\n");
    link(root_ / "class/net" / name, dir);
}

void FakeSysfs::addRdmaCharDevices(const std::string& rdmaDevice, unsigned uverbs, unsigned umad) {
    const fs::path classLink = root_ / "class/infiniband" / rdmaDevice;
    if (!fs::is_symlink(classLink)) throw std::logic_error("FakeSysfs: no RDMA device " + rdmaDevice);
    const fs::path deviceDir = fs::canonical(classLink).parent_path().parent_path();
    const auto add = [&](const char* cls, const std::string& name) {
        const fs::path dir = deviceDir / cls / name;
        if (fs::exists(fs::symlink_status(root_ / "class" / cls / name))) {
            throw std::logic_error(std::string("FakeSysfs: class/") + cls + "/" + name + " exists");
        }
        fs::create_directories(dir);
        writeText(dir / "ibdev", rdmaDevice + "\n");
        writeText(dir / "dev", "231:" + name.substr(name.find_first_of("0123456789")) + "\n");
        link(dir / "device", deviceDir);
        link(root_ / "class" / cls / name, dir);
    };
    add("infiniband_verbs", "uverbs" + std::to_string(uverbs));
    add("infiniband_mad", "umad" + std::to_string(umad));
    add("infiniband_mad", "issm" + std::to_string(umad));
}

std::string FakeSysfs::readDriverFile(const std::string& driver, const std::string& file) const {
    return readText(root_ / "bus/pci/drivers" / driver / file);
}

void FakeSysfs::clearDriverFiles(const std::string& driver) {
    ensureDriver(driver);
    writeText(root_ / "bus/pci/drivers" / driver / "bind", "");
    writeText(root_ / "bus/pci/drivers" / driver / "unbind", "");
}

void FakeSysfs::pruneDanglingLinks() {
    std::vector<fs::path> dirs = {root_ / "bus/pci/devices", root_ / "class/net", root_ / "class/infiniband",
                                  root_ / "class/infiniband_verbs", root_ / "class/infiniband_mad"};
    for (const auto& driver : fs::directory_iterator(root_ / "bus/pci/drivers")) dirs.push_back(driver.path());
    for (const auto& dir : dirs) {
        std::vector<fs::path> dangling;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.is_symlink() && !fs::exists(entry.path())) dangling.push_back(entry.path());
        }
        for (const auto& path : dangling) fs::remove(path);
    }
}

}  // namespace ibvf::test
