#pragma once
// PCI / SR-IOV / RDMA topology read from sysfs, rooted at IBVF_SYSFS_ROOT (default "/sys") so tests
// can point it at a fake tree shaped exactly like the real one. Paths are the kernel's (Documentation/ABI/testing/sysfs-bus-pci,
// sysfs-class-infiniband).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::linux {

// "dddd:bb:dd.f" (lower-case hex); the short form "bb:dd.f" is not accepted.
bool isValidPciAddress(std::string_view bdf);

// An RDMA device name as a single path component under class/infiniband ("mlx5_3"): not empty,
// not "." or "..", no '/' or NUL.
bool isValidRdmaDeviceName(std::string_view name);

// Ordered by name with numeric suffixes compared as numbers ("uverbs2" < "uverbs10"), as the
// lookups below list a directory's entries.
bool naturalLess(const std::string& a, const std::string& b);

// One sysfs attribute file, untrimmed, into `out`. Returns 0 or the errno of the failed call
// (no exception: callers that read many files skip the ones that fail).
int readSysfsAttribute(const std::filesystem::path& path, std::string& out);
// An attribute's text without the surrounding whitespace (the kernel's trailing newline).
std::string_view trimmedAttribute(std::string_view s);

struct VfInfo {
    std::string pciAddress;
    std::string pfPciAddress;
    int vfIndex = -1;                       // N of the PF's virtfnN pointing at this VF
    std::vector<std::string> netdevs;       // names under <vf>/net/ (empty when moved away or vfio)
    std::optional<std::string> rdmaDevice;  // name under <vf>/infiniband/
    std::string driver;                     // basename of <vf>/driver, empty when unbound
    int numaNode = -1;
};

struct PfInfo {
    std::string pciAddress;
    std::vector<std::string> netdevs;
    std::optional<std::string> rdmaDevice;
    unsigned totalVfs = 0;
    unsigned numVfs = 0;
    std::vector<std::string> vfPciAddresses;  // by VF index
};

class Sysfs {
public:
    explicit Sysfs(std::filesystem::path root);
    static Sysfs fromEnvironment();  // IBVF_SYSFS_ROOT or "/sys"
    const std::filesystem::path& root() const { return root_; }

    // <root>/bus/pci/devices/<bdf>
    std::filesystem::path pciDeviceDir(std::string_view bdf) const;
    // <root>/class/net/<ifname>
    std::filesystem::path netClassDir(std::string_view ifname) const;

    // Every lookup validates its argument first (EINVAL for a malformed PCI address or netdev
    // name, so nothing from a netconf can walk out of the tree) and throws KernelError with the
    // errno of the failed call and the exact path looked at, e.g.
    // "0000:3b:00.2 is not a VF: /sys/bus/pci/devices/0000:3b:00.2/physfn: No such file or directory".
    // Missing device: ENOENT "no PCI device <bdf>: <dir>"; dangling physfn: ENOENT naming the link.
    VfInfo vf(std::string_view bdf) const;
    // Not a PF (no sriov_totalvfs): ENOENT "<bdf> is not an SR-IOV PF: <dir>/sriov_totalvfs".
    // vfPciAddresses follows virtfn0.. up to the first missing link (during a numvfs change
    // it may hold fewer than numVfs entries; position is always the VF index).
    PfInfo pfByPci(std::string_view pfBdf) const;
    // PF of a netdev name (class/net/<name>/device); throws naming the path when missing.
    PfInfo pfByNetdev(std::string_view ifname) const;
    // PCI address behind a netdev, nullopt for virtual devices (no device link, or a parent
    // that is not a PCI function). Throws ENOENT naming class/net/<name> when there is no such netdev.
    std::optional<std::string> pciAddressOfNetdev(std::string_view ifname) const;

    // class/net/<ifname>/<attribute>, trimmed; nullopt when the netdev or the attribute does not
    // exist (IPoIB's "mode" only exists on IPoIB netdevs).
    std::optional<std::string> netdevAttribute(std::string_view ifname, std::string_view attribute) const;

    // class/infiniband/<rdmaDevice>/node_guid as the kernel prints it ("9803:9b03:0012:3456");
    // nullopt when the device or the attribute does not exist.
    std::optional<std::string> rdmaNodeGuid(std::string_view rdmaDevice) const;

    // RDMA char devices (/dev/infiniband/uverbsN, umadN, issmN) whose ibdev is `rdmaDevice`:
    // those beside it under its parent device, else those under class/infiniband_verbs and
    // class/infiniband_mad. Throws KernelError(EINVAL) for a name that is not one path component.
    std::vector<std::string> rdmaCharDevices(std::string_view rdmaDevice) const;

    // Driver rebind: writes bdf to <dev>/driver/unbind, then to drivers/<driver>/bind.
    // Both tolerate "already done": false (nothing written) when the device has no driver /
    // is already bound to `driver`. Throws KernelError naming the file on a failed write.
    bool unbindDriver(std::string_view bdf) const;
    bool bindDriver(std::string_view bdf, std::string_view driver) const;

private:
    std::filesystem::path root_;
};

}  // namespace ibvf::linux
