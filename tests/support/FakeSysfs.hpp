#pragma once
// A throw-away sysfs tree shaped like the real one (lib/linux/Sysfs.hpp reads it), for IBVF_SYSFS_ROOT.
// Device directories live under devices/pci<dom>:00/<dom>:00:01.0/<bdf> (PFs and their VFs are
// siblings behind one bridge, as the kernel places them) and every cross-reference is a relative
// symlink with the kernel's shape:
//   bus/pci/devices/<bdf>          -> ../../../devices/pci0000:00/0000:00:01.0/<bdf>
//   <vf>/physfn                    -> ../<pf bdf>          <pf>/virtfnN -> ../<vf bdf>
//   <dev>/driver                   -> ../../../../bus/pci/drivers/<driver>
//   class/net/<if>                 -> ../../devices/.../<bdf>/net/<if>   (with `device`, `type`)
//   class/infiniband/<ibdev>       -> ../../devices/.../<bdf>/infiniband/<ibdev>
//   class/infiniband_verbs/uverbsN -> ../../devices/.../<bdf>/infiniband_verbs/uverbsN (`ibdev`)
// bus/pci/drivers/<driver>/{bind,unbind} are regular files, so what the code writes can be read
// back with readDriverFile(). The tree is made in a fresh mkdtemp() directory and removed by the
// destructor. Misuse (unknown PF, duplicate device) throws std::logic_error.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ibvf::test {

// GCC 12 flags partially designated initializers (-Wmissing-field-initializers), so the
// options are built with chained setters: FakeVfOptions().withNetdev("veth1").withRdma("mlx5_2").
struct FakePfOptions {
    std::optional<std::string> rdmaDevice;  // e.g. "mlx5_0"
    int numaNode = 0;
    std::string driver = "mlx5_core";  // empty: unbound
    int netType = 32;                  // ARPHRD_INFINIBAND

    FakePfOptions& withRdma(std::string name) {
        rdmaDevice = std::move(name);
        return *this;
    }
    FakePfOptions& withNumaNode(int node) {
        numaNode = node;
        return *this;
    }
    FakePfOptions& withDriver(std::string name) {
        driver = std::move(name);
        return *this;
    }
    FakePfOptions& withNetType(int type) {
        netType = type;
        return *this;
    }
};

struct FakeVfOptions {
    std::optional<std::string> netdev;      // e.g. a veth name standing in for the VF's IPoIB netdev
    std::optional<std::string> rdmaDevice;  // e.g. "mlx5_2"
    std::string driver = "mlx5_core";       // empty: unbound
    std::optional<int> numaNode;            // default: the PF's
    int netType = 32;

    FakeVfOptions& withNetdev(std::string name) {
        netdev = std::move(name);
        return *this;
    }
    FakeVfOptions& withRdma(std::string name) {
        rdmaDevice = std::move(name);
        return *this;
    }
    FakeVfOptions& withDriver(std::string name) {
        driver = std::move(name);
        return *this;
    }
    FakeVfOptions& withNumaNode(int node) {
        numaNode = node;
        return *this;
    }
    FakeVfOptions& withNetType(int type) {
        netType = type;
        return *this;
    }
};

class FakeSysfs {
public:
    FakeSysfs();
    ~FakeSysfs();
    FakeSysfs(const FakeSysfs&) = delete;
    FakeSysfs& operator=(const FakeSysfs&) = delete;

    const std::filesystem::path& root() const { return root_; }
    // {"IBVF_SYSFS_ROOT", root}
    std::pair<std::string, std::string> envVar() const;
    // "IBVF_SYSFS_ROOT=<root>", for a child environment list.
    std::string envEntry() const;

    // A PF with sriov_totalvfs = totalVfs, sriov_numvfs = 0 and its netdev (empty name: none).
    void addPf(const std::string& pfBdf, const std::string& netdev, unsigned totalVfs, const FakePfOptions& options = {});
    // VF number `index` of the PF: its device dir, physfn, the PF's virtfn<index> link, and
    // sriov_numvfs raised to index + 1 when lower.
    void addVf(const std::string& pfBdf, unsigned index, const std::string& vfBdf, const FakeVfOptions& options = {});
    // What `echo n > sriov_numvfs` leaves: VFs with index >= n disappear (device, links, class
    // entries) and sriov_numvfs reads n. VFs below n are added with addVf.
    void setNumVfs(const std::string& pfBdf, unsigned n);
    // A VF device that vanished on its own (hot-unplug): its directory, bus link and class
    // entries go; the PF's virtfnN link is left dangling, as the kernel leaves it.
    void removeVf(const std::string& vfBdf);
    // Replaces the VF's netdev(s) with `netdev` (nullopt: none, e.g. moved to a pod netns).
    void setVfNetdev(const std::string& vfBdf, const std::optional<std::string>& netdev, int netType = 32);
    // Rebinds a PF or VF to `driver` (empty: unbound). Creates the driver's directory if new.
    void setDriver(const std::string& bdf, const std::string& driver);
    void setNumaNode(const std::string& bdf, int node);
    // A netdev without a device link (veth, bridge): class/net/<name> -> devices/virtual/net/<name>.
    void addVirtualNetdev(const std::string& name, int netType = 1);
    // class/infiniband_verbs/uverbs<uverbs> and class/infiniband_mad/umad<umad> + issm<umad>, each
    // with `ibdev` = rdmaDevice, under the device that owns rdmaDevice (added with addPf/addVf).
    // The InfiniBand identity of an RDMA device added with a PF or VF: node_guid ("0002:c903:..."),
    // ports/1/gids/0 (fe80:: prefix and the port GUID) and ports/1/pkeys/N. Zero pkeys are written
    // as the kernel shows unused entries.
    void setIbIdentity(const std::string& rdmaDevice, std::uint64_t nodeGuid, std::uint64_t portGuid,
                       const std::vector<std::uint16_t>& pkeys);
    void addRdmaCharDevices(const std::string& rdmaDevice, unsigned uverbs, unsigned umad);

    // class/infiniband/<rdmaDevice>/ports/<port>/<relPath> (e.g. "counters/port_xmit_data",
    // "state") holding `content` and a newline; directories are made as needed.
    void setRdmaPortFile(const std::string& rdmaDevice, unsigned port, const std::string& relPath, const std::string& content);

    // class/infiniband/<rdmaDevice>/node_guid, in the kernel's "xxxx:xxxx:xxxx:xxxx" form.
    void setNodeGuid(const std::string& rdmaDevice, const std::string& sysfsText);

    // Content of bus/pci/drivers/<driver>/<file> ("bind", "unbind"); "" when never written.
    std::string readDriverFile(const std::string& driver, const std::string& file) const;
    void clearDriverFiles(const std::string& driver);
    // <root>/devices/.../<bdf>, the real directory behind bus/pci/devices/<bdf>.
    std::filesystem::path deviceDir(const std::string& bdf) const;

private:
    struct Pf {
        int numaNode = 0;
        unsigned totalVfs = 0;
        unsigned numVfs = 0;
        std::map<unsigned, std::string> vfs;  // index -> bdf
    };
    struct Vf {
        std::string pf;
        unsigned index = 0;
    };

    std::filesystem::path devicePath(const std::string& bdf) const;
    void createDevice(const std::string& bdf, const std::string& driver, int numaNode);
    void addNetdevTo(const std::filesystem::path& deviceDir, const std::string& name, int netType);
    void removeNetdevsOf(const std::filesystem::path& deviceDir);
    void addRdmaTo(const std::filesystem::path& deviceDir, const std::string& rdmaDevice);
    void ensureDriver(const std::string& driver);
    void deleteVf(const std::string& vfBdf, bool dropVirtfn);
    void pruneDanglingLinks();
    void writeNumVfs(const std::string& pfBdf);
    void link(const std::filesystem::path& at, const std::filesystem::path& target);

    std::filesystem::path root_;
    std::map<std::string, Pf> pfs_;
    std::map<std::string, Vf> vfs_;
};

}  // namespace ibvf::test
