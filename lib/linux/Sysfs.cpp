#include "linux/Sysfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <memory>

#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::linux {
namespace fs = std::filesystem;

namespace {

bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

unsigned hexValue(char c) { return c <= '9' ? unsigned(c - '0') : unsigned(c - 'a') + 10U; }

std::string basenameOf(std::string_view link) {
    const auto slash = link.rfind('/');
    return std::string(slash == std::string_view::npos ? link : link.substr(slash + 1));
}

// Returns 0 or the errno.
int readLink(const fs::path& path, std::string& out) {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0) return errno;
    out.assign(buf, static_cast<std::size_t>(n));
    return 0;
}

// One write() carrying the whole value: sysfs store handlers see exactly one buffer.
void writeAttribute(const fs::path& path, std::string_view value, const std::string& what) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) throw KernelError(errno, what + ": open " + path.string());
    for (;;) {
        const ssize_t n = ::write(fd.get(), value.data(), value.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw KernelError(errno, what + ": write " + path.string());
        if (static_cast<std::size_t>(n) != value.size()) throw KernelError(EIO, what + ": short write to " + path.string());
        return;
    }
}

}  // namespace

bool naturalLess(const std::string& a, const std::string& b) {
    const auto split = [](const std::string& s) {
        std::size_t i = s.size();
        while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
        return i;
    };
    const std::size_t ia = split(a);
    const std::size_t ib = split(b);
    const std::string_view pa(a.data(), ia);
    const std::string_view pb(b.data(), ib);
    if (pa != pb) return pa < pb;
    const std::string_view na(a.data() + ia, a.size() - ia);
    const std::string_view nb(b.data() + ib, b.size() - ib);
    if (na.size() != nb.size()) return na.size() < nb.size();
    return na < nb;
}

namespace {

// Entry names of a directory, naturally sorted; empty when the directory does not exist
// (a VF without a netdev has no net/ directory at all).
std::vector<std::string> listDirectory(const fs::path& dir) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) return names;
        throw KernelError(errno, "list " + dir.string());
    }
    errno = 0;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string_view name(e->d_name);
        if (name != "." && name != "..") names.emplace_back(name);
        errno = 0;
    }
    if (errno != 0) throw KernelError(errno, "list " + dir.string());
    std::sort(names.begin(), names.end(), naturalLess);
    return names;
}

template <class Int>
Int parseNumber(const fs::path& path, std::string_view text) {
    const std::string_view t = trimmedAttribute(text);
    Int value{};
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
        throw KernelError(EINVAL, "unexpected content \"" + std::string(t) + "\" in " + path.string());
    }
    return value;
}

template <class Int>
Int readNumber(const fs::path& path, const std::string& context) {
    std::string text;
    if (const int err = readSysfsAttribute(path, text)) throw KernelError(err, context + ": " + path.string());
    return parseNumber<Int>(path, text);
}

void requirePciAddress(std::string_view bdf) {
    if (!isValidPciAddress(bdf)) {
        throw KernelError(EINVAL, "invalid PCI address \"" + std::string(bdf) + "\" (expected dddd:bb:dd.f, lower-case hex)");
    }
}

void requireRdmaDeviceName(std::string_view name) {
    if (!isValidRdmaDeviceName(name)) throw KernelError(EINVAL, "not an RDMA device name: \"" + std::string(name) + "\"");
}

// Netdev names become path components: refuse anything that could leave class/net.
void requireNetdevName(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
        throw KernelError(EINVAL, "invalid netdev name \"" + std::string(name) + "\"");
    }
}

void requireDriverName(std::string_view name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
        throw KernelError(EINVAL, "invalid driver name \"" + std::string(name) + "\"");
    }
}

void requireDeviceDir(const fs::path& dir, std::string_view bdf) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw KernelError(errno, "no PCI device " + std::string(bdf) + ": " + dir.string());
}

std::optional<std::string> firstEntry(const fs::path& dir) {
    auto names = listDirectory(dir);
    if (names.empty()) return std::nullopt;
    return std::move(names.front());
}

// Basename of the bound driver, empty when unbound.
std::string driverOf(const fs::path& deviceDir) {
    std::string target;
    const fs::path link = deviceDir / "driver";
    if (const int err = readLink(link, target)) {
        if (err == ENOENT) return {};
        throw KernelError(err, "read driver link " + link.string());
    }
    return basenameOf(target);
}

// PCI addresses of virtfn0, virtfn1, ... up to the first missing link. The kernel creates them
// contiguously; stopping at a gap keeps "position == VF index" true for what is returned.
template <class Visit>
void forEachVirtfn(const fs::path& pfDir, Visit&& visit) {
    std::string target;
    for (int index = 0;; ++index) {
        const fs::path link = pfDir / ("virtfn" + std::to_string(index));
        if (const int err = readLink(link, target)) {
            if (err == ENOENT) return;
            throw KernelError(err, "read " + link.string());
        }
        if (!visit(index, basenameOf(target))) return;
    }
}

}  // namespace

// Returns 0 or the errno. A sysfs attribute is at most a page and arrives in one read(), so a
// short read means end of file and the usual second read() returning 0 is skipped.
std::string_view trimmedAttribute(std::string_view s) {
    const auto isSpace = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
}

int readSysfsAttribute(const fs::path& path, std::string& out) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno;
    out.clear();
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        out.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buf) return 0;
    }
}

bool isValidRdmaDeviceName(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

bool isValidPciAddress(std::string_view bdf) {
    // dddd:bb:dd.f
    if (bdf.size() != 12 || bdf[4] != ':' || bdf[7] != ':' || bdf[10] != '.') return false;
    for (const std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
        if (!isLowerHex(bdf[i])) return false;
    }
    const unsigned device = hexValue(bdf[8]) * 16U + hexValue(bdf[9]);
    return device <= 0x1fU && bdf[11] >= '0' && bdf[11] <= '7';
}

Sysfs::Sysfs(fs::path root) : root_(std::move(root)) {}

Sysfs Sysfs::fromEnvironment() {
    const char* root = std::getenv("IBVF_SYSFS_ROOT");
    return Sysfs(root != nullptr && *root != '\0' ? fs::path(root) : fs::path("/sys"));
}

fs::path Sysfs::pciDeviceDir(std::string_view bdf) const { return root_ / "bus/pci/devices" / bdf; }

fs::path Sysfs::netClassDir(std::string_view ifname) const { return root_ / "class/net" / ifname; }

std::optional<std::string> Sysfs::netdevAttribute(std::string_view ifname, std::string_view attribute) const {
    requireNetdevName(ifname);
    if (attribute.empty() || attribute.find('/') != std::string_view::npos || attribute == "..") {
        throw KernelError(EINVAL, "not a sysfs attribute name: \"" + std::string(attribute) + "\"");
    }
    const fs::path path = netClassDir(ifname) / attribute;
    std::string text;
    if (const int err = readSysfsAttribute(path, text)) {
        if (err == ENOENT) return std::nullopt;
        throw KernelError(err, "read " + path.string());
    }
    return std::string(trimmedAttribute(text));
}

std::optional<std::string> Sysfs::rdmaNodeGuid(std::string_view rdmaDevice) const {
    requireRdmaDeviceName(rdmaDevice);
    const fs::path path = root_ / "class/infiniband" / rdmaDevice / "node_guid";
    std::string text;
    if (const int err = readSysfsAttribute(path, text)) {
        if (err == ENOENT) return std::nullopt;
        throw KernelError(err, "read " + path.string());
    }
    return std::string(trimmedAttribute(text));
}

VfInfo Sysfs::vf(std::string_view bdf) const {
    requirePciAddress(bdf);
    const fs::path dir = pciDeviceDir(bdf);
    requireDeviceDir(dir, bdf);

    VfInfo info;
    info.pciAddress = std::string(bdf);

    const fs::path physfn = dir / "physfn";
    std::string target;
    if (const int err = readLink(physfn, target)) throw KernelError(err, info.pciAddress + " is not a VF: " + physfn.string());
    info.pfPciAddress = basenameOf(target);
    if (!isValidPciAddress(info.pfPciAddress)) {
        throw KernelError(EINVAL, info.pciAddress + ": physfn points to \"" + target + "\", not a PCI device: " + physfn.string());
    }
    struct stat st {};
    if (::stat(physfn.c_str(), &st) != 0) {
        throw KernelError(errno, info.pciAddress + ": dangling physfn " + physfn.string() + " -> " + target);
    }

    const fs::path pfDir = pciDeviceDir(info.pfPciAddress);
    forEachVirtfn(pfDir, [&](int index, const std::string& vfBdf) {
        if (vfBdf != info.pciAddress) return true;
        info.vfIndex = index;
        return false;
    });
    if (info.vfIndex < 0) {
        throw KernelError(
            ENOENT, info.pciAddress + ": no virtfnN link of PF " + info.pfPciAddress + " points to it (looked in " + pfDir.string() + ")");
    }

    info.netdevs = listDirectory(dir / "net");
    info.rdmaDevice = firstEntry(dir / "infiniband");
    info.driver = driverOf(dir);

    const fs::path numa = dir / "numa_node";
    std::string text;
    if (const int err = readSysfsAttribute(numa, text)) {
        if (err != ENOENT) throw KernelError(err, "read " + numa.string());
    } else {
        info.numaNode = parseNumber<int>(numa, text);
    }
    return info;
}

PfInfo Sysfs::pfByPci(std::string_view pfBdf) const {
    requirePciAddress(pfBdf);
    const fs::path dir = pciDeviceDir(pfBdf);
    requireDeviceDir(dir, pfBdf);

    PfInfo info;
    info.pciAddress = std::string(pfBdf);
    info.totalVfs = readNumber<unsigned>(dir / "sriov_totalvfs", info.pciAddress + " is not an SR-IOV PF");
    info.numVfs = readNumber<unsigned>(dir / "sriov_numvfs", info.pciAddress + " is not an SR-IOV PF");
    info.netdevs = listDirectory(dir / "net");
    info.rdmaDevice = firstEntry(dir / "infiniband");
    forEachVirtfn(dir, [&](int, std::string vfBdf) {
        info.vfPciAddresses.push_back(std::move(vfBdf));
        return true;
    });
    return info;
}

PfInfo Sysfs::pfByNetdev(std::string_view ifname) const {
    const auto bdf = pciAddressOfNetdev(ifname);
    if (!bdf) {
        throw KernelError(ENODEV, std::string(ifname) + " is not backed by a PCI device: " + (netClassDir(ifname) / "device").string());
    }
    return pfByPci(*bdf);
}

std::optional<std::string> Sysfs::pciAddressOfNetdev(std::string_view ifname) const {
    requireNetdevName(ifname);
    const fs::path dir = netClassDir(ifname);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw KernelError(errno, "no netdev " + std::string(ifname) + ": " + dir.string());
    std::string target;
    const fs::path device = dir / "device";
    if (const int err = readLink(device, target)) {
        if (err == ENOENT) return std::nullopt;  // virtual: veth, bridge, lo, ...
        throw KernelError(err, "read " + device.string());
    }
    std::string bdf = basenameOf(target);
    // The parent of e.g. a virtio netdev is "virtio0", not a PCI function.
    if (!isValidPciAddress(bdf)) return std::nullopt;
    return bdf;
}

namespace {

// The char devices under base/infiniband_verbs and base/infiniband_mad whose ibdev is `rdmaDevice`.
std::vector<std::string> charDevicesUnder(const fs::path& base, std::string_view rdmaDevice) {
    std::vector<std::string> devices;
    std::string ibdev;
    for (const char* cls : {"infiniband_verbs", "infiniband_mad"}) {
        const fs::path classDir = base / cls;
        for (const auto& name : listDirectory(classDir)) {
            const fs::path file = classDir / name / "ibdev";
            if (const int err = readSysfsAttribute(file, ibdev)) {
                // class/infiniband_mad also holds "abi_version", which has no ibdev.
                if (err == ENOENT || err == ENOTDIR) continue;
                throw KernelError(err, "read " + file.string());
            }
            if (trimmedAttribute(ibdev) == rdmaDevice) devices.push_back("/dev/infiniband/" + name);
        }
    }
    return devices;
}

}  // namespace

std::vector<std::string> Sysfs::rdmaCharDevices(std::string_view rdmaDevice) const {
    requireRdmaDeviceName(rdmaDevice);
    // The kernel puts a device's char devices beside it, under its parent (the PCI function): a
    // few reads there instead of every entry of the class directories (1,024 with 512 VFs, on
    // each Allocate). A device without a parent (rxe) is looked for in the class directories.
    auto devices = charDevicesUnder(root_ / "class/infiniband" / rdmaDevice / "device", rdmaDevice);
    if (devices.empty()) devices = charDevicesUnder(root_ / "class", rdmaDevice);
    return devices;
}

bool Sysfs::unbindDriver(std::string_view bdf) const {
    requirePciAddress(bdf);
    const fs::path dir = pciDeviceDir(bdf);
    requireDeviceDir(dir, bdf);
    const std::string driver = driverOf(dir);
    if (driver.empty()) return false;
    writeAttribute(dir / "driver/unbind", bdf, "unbind " + std::string(bdf) + " from " + driver);
    return true;
}

bool Sysfs::bindDriver(std::string_view bdf, std::string_view driver) const {
    requirePciAddress(bdf);
    requireDriverName(driver);
    const fs::path dir = pciDeviceDir(bdf);
    requireDeviceDir(dir, bdf);
    if (driverOf(dir) == driver) return false;
    writeAttribute(root_ / "bus/pci/drivers" / driver / "bind", bdf, "bind " + std::string(bdf) + " to " + std::string(driver));
    return true;
}

}  // namespace ibvf::linux
