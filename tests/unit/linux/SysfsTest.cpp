#include <doctest/doctest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "SysfsTopology.hpp"
#include "linux/KernelError.hpp"
#include "linux/PciNetdevNames.hpp"
#include "linux/Sysfs.hpp"
#include "support/FakeSysfs.hpp"

namespace fs = std::filesystem;
using ibvf::linux::isValidPciAddress;
using ibvf::linux::KernelError;
using ibvf::linux::Sysfs;
using ibvf::test::FakePfOptions;
using ibvf::test::FakeSysfs;
using ibvf::test::FakeVfOptions;
using ibvf::test::kPf;
using ibvf::test::kVf0;
using ibvf::test::kVf1;
using Topology = ibvf::test::SysfsTopology;
using Strings = std::vector<std::string>;

namespace {

// The KernelError `f` throws; fails the test when it throws nothing or something else.
template <class F>
KernelError kernelErrorOf(F&& f) {
    try {
        f();
    } catch (const KernelError& e) {
        return e;
    } catch (const std::exception& e) {
        FAIL("expected KernelError, got: " << e.what());
    }
    FAIL("expected KernelError, nothing was thrown");
    return KernelError(0, "");
}

std::string pciAddress(unsigned bus, unsigned device, unsigned function) {
    char text[16];
    std::snprintf(text, sizeof text, "0000:%02x:%02x.%x", bus, device, function);
    return text;
}

void writeFile(const fs::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::trunc);
    out << content;
}

}  // namespace

TEST_CASE("a VF resolves to its PF, index, netdev, RDMA device, driver and NUMA node") {
    Topology t;
    const auto vf0 = t.sysfs.vf(kVf0);
    CHECK(vf0.pciAddress == kVf0);
    CHECK(vf0.pfPciAddress == kPf);
    CHECK(vf0.vfIndex == 0);
    CHECK(vf0.netdevs == Strings{"ib0v0"});
    CHECK(vf0.rdmaDevice == "mlx5_2");
    CHECK(vf0.driver == "mlx5_core");
    CHECK(vf0.numaNode == 0);  // inherited from the PF

    const auto vf1 = t.sysfs.vf(kVf1);
    CHECK(vf1.vfIndex == 1);
    CHECK(vf1.netdevs == Strings{"ib0v1"});
    CHECK_FALSE(vf1.rdmaDevice.has_value());
    CHECK(vf1.numaNode == 1);
}

TEST_CASE("a VF index comes from the PF's virtfn links, not from the order VFs were added") {
    FakeSysfs fake;
    fake.addPf(kPf, "ib0", 16);
    // Added out of order, with PCI addresses that do not sort like the indexes.
    fake.addVf(kPf, 12, "0000:3b:01.0");
    fake.addVf(kPf, 2, "0000:3b:00.7");
    fake.addVf(kPf, 0, "0000:3b:02.1");
    fake.addVf(kPf, 1, "0000:3b:00.1");
    for (unsigned i = 3; i < 12; ++i) fake.addVf(kPf, i, pciAddress(0x3c, i, 0));
    const Sysfs sysfs(fake.root());
    CHECK(sysfs.vf("0000:3b:01.0").vfIndex == 12);
    CHECK(sysfs.vf("0000:3b:00.7").vfIndex == 2);
    CHECK(sysfs.vf("0000:3b:02.1").vfIndex == 0);
    CHECK(sysfs.vf("0000:3b:00.1").vfIndex == 1);
}

TEST_CASE("a PF lists its VFs in index order, also past virtfn9") {
    FakeSysfs fake;
    fake.addPf(kPf, "ib0", 16, FakePfOptions().withRdma("mlx5_0"));
    Strings expected;
    // Reverse order of creation; bdfs descending so neither creation nor name order is index order.
    for (unsigned i = 12; i-- > 0;) fake.addVf(kPf, i, pciAddress(0x3c, 0x1f - i, i % 8));
    for (unsigned i = 0; i < 12; ++i) expected.push_back(pciAddress(0x3c, 0x1f - i, i % 8));

    const Sysfs sysfs(fake.root());
    const auto pf = sysfs.pfByPci(kPf);
    CHECK(pf.pciAddress == kPf);
    CHECK(pf.totalVfs == 16);
    CHECK(pf.numVfs == 12);
    CHECK(pf.netdevs == Strings{"ib0"});
    CHECK(pf.rdmaDevice == "mlx5_0");
    CHECK(pf.vfPciAddresses == expected);
}

TEST_CASE("a PF is found by its netdev") {
    Topology t;
    const auto pf = t.sysfs.pfByNetdev("ib0");
    CHECK(pf.pciAddress == kPf);
    CHECK(pf.numVfs == 2);
    CHECK(pf.vfPciAddresses == Strings{kVf0, kVf1});
}

TEST_CASE("a PF with no VFs enabled") {
    FakeSysfs fake;
    fake.addPf(kPf, "ib0", 8);
    const auto pf = Sysfs(fake.root()).pfByPci(kPf);
    CHECK(pf.totalVfs == 8);
    CHECK(pf.numVfs == 0);
    CHECK(pf.vfPciAddresses.empty());
}

TEST_CASE("a VF without netdev, RDMA device or driver (moved away, unbound)") {
    Topology t;
    t.fake.setVfNetdev(kVf0, std::nullopt);
    t.fake.setDriver(kVf0, "");
    const auto vf = t.sysfs.vf(kVf0);
    CHECK(vf.netdevs.empty());
    CHECK(vf.driver.empty());
    CHECK(vf.vfIndex == 0);

    t.fake.setDriver(kVf0, "vfio-pci");
    CHECK(t.sysfs.vf(kVf0).driver == "vfio-pci");
    t.fake.setVfNetdev(kVf0, "ib0v0new");
    CHECK(t.sysfs.vf(kVf0).netdevs == Strings{"ib0v0new"});
    CHECK_FALSE(fs::exists(fs::symlink_status(t.fake.root() / "class/net/ib0v0")));
}

TEST_CASE("PciNetdevNames: a device's netdev by one listing; the first in natural order; none for what has none") {
    Topology t;
    const ibvf::linux::PciNetdevNames names(t.sysfs);
    CHECK(names.first(kVf0) == "ib0v0");
    CHECK(names.first(kPf) == "ib0");
    // An IPoIB child shares its parent's device: the parent comes first, as Sysfs::vf lists them.
    writeFile(t.fake.deviceDir(kVf1) / "net/ib0v1.8001", "");
    fs::create_directories(t.fake.deviceDir(kVf1) / "net/ib0v10");
    CHECK(names.first(kVf1) == "ib0v1");
    fs::remove_all(t.fake.deviceDir(kVf1) / "net/ib0v1");
    CHECK(names.first(kVf1) == "ib0v10");

    t.fake.setVfNetdev(kVf0, std::nullopt);  // moved into a pod, or bound to vfio-pci
    CHECK(names.first(kVf0).empty());
    CHECK(names.first("0000:3b:00.7").empty());  // no such device
    CHECK(names.first("../../../etc").empty());  // not a PCI address: nothing is opened
    CHECK(ibvf::linux::PciNetdevNames(Sysfs(t.fake.root() / "nowhere")).first(kVf0).empty());
}

TEST_CASE("lookup errors name the exact path looked at") {
    Topology t;
    const std::string root = t.fake.root().string();

    SUBCASE("a PF is not a VF") {
        const auto e = kernelErrorOf([&] { t.sysfs.vf(kPf); });
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) ==
              std::string(kPf) + " is not a VF: " + root + "/bus/pci/devices/" + kPf + "/physfn: No such file or directory");
    }
    SUBCASE("a missing device") {
        const auto e = kernelErrorOf([&] { t.sysfs.vf("0000:3b:01.7"); });
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) == "no PCI device 0000:3b:01.7: " + root + "/bus/pci/devices/0000:3b:01.7: No such file or directory");
        const auto p = kernelErrorOf([&] { t.sysfs.pfByPci("0000:3b:01.7"); });
        CHECK(std::string(p.what()).find(root + "/bus/pci/devices/0000:3b:01.7") != std::string::npos);
    }
    SUBCASE("a dangling physfn") {
        fs::remove_all(t.fake.deviceDir(kPf));
        const auto e = kernelErrorOf([&] { t.sysfs.vf(kVf0); });
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) ==
              std::string(kVf0) + ": dangling physfn " + t.dev(kVf0) + "/physfn -> ../" + kPf + ": No such file or directory");
    }
    SUBCASE("a VF that none of the PF's virtfn links points at") {
        fs::remove(t.fake.deviceDir(kPf) / "virtfn0");
        const auto e = kernelErrorOf([&] { t.sysfs.vf(kVf0); });
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()).find(t.dev(kPf)) != std::string::npos);
    }
    SUBCASE("a VF is not a PF") {
        const auto e = kernelErrorOf([&] { t.sysfs.pfByPci(kVf0); });
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) ==
              std::string(kVf0) + " is not an SR-IOV PF: " + t.dev(kVf0) + "/sriov_totalvfs: No such file or directory");
        const auto n = kernelErrorOf([&] { t.sysfs.pfByNetdev("ib0v0"); });
        CHECK(std::string(n.what()).find(t.dev(kVf0) + "/sriov_totalvfs") != std::string::npos);
    }
    SUBCASE("an unknown netdev") {
        const auto e = kernelErrorOf([&] { t.sysfs.pfByNetdev("ib9"); });
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) == "no netdev ib9: " + root + "/class/net/ib9: No such file or directory");
    }
    SUBCASE("a virtual netdev has no PF") {
        t.fake.addVirtualNetdev("veth9");
        const auto e = kernelErrorOf([&] { t.sysfs.pfByNetdev("veth9"); });
        CHECK(e.err() == ENODEV);
        CHECK(std::string(e.what()).find(root + "/class/net/veth9/device") != std::string::npos);
    }
    SUBCASE("garbage in numa_node") {
        writeFile(t.fake.deviceDir(kVf0) / "numa_node", "zero\n");
        const auto e = kernelErrorOf([&] { t.sysfs.vf(kVf0); });
        CHECK(e.err() == EINVAL);
        CHECK(std::string(e.what()).find(t.dev(kVf0) + "/numa_node") != std::string::npos);
    }
    SUBCASE("malformed input never becomes a path") {
        for (const char* bad : {"../../../etc", "0000:3b:00.2/..", "3b:00.2", "", "0000:3B:00.2"}) {
            CAPTURE(bad);
            CHECK(kernelErrorOf([&] { t.sysfs.vf(bad); }).err() == EINVAL);
            CHECK(kernelErrorOf([&] { t.sysfs.pfByPci(bad); }).err() == EINVAL);
            CHECK(kernelErrorOf([&] { t.sysfs.unbindDriver(bad); }).err() == EINVAL);
        }
        for (const char* bad : {"", ".", "..", "../ib0", "a/b", "sixteen_chars_xx"}) {
            CAPTURE(bad);
            CHECK(kernelErrorOf([&] { t.sysfs.pciAddressOfNetdev(bad); }).err() == EINVAL);
        }
        CHECK(kernelErrorOf([&] { t.sysfs.bindDriver(kVf0, "../../x"); }).err() == EINVAL);
    }
}

TEST_CASE("VFs that disappear") {
    Topology t;
    SUBCASE("hot-removed: gone as a device, its virtfn link dangles") {
        t.fake.removeVf(kVf1);
        const auto e = kernelErrorOf([&] { t.sysfs.vf(kVf1); });
        CHECK(std::string(e.what()).find("no PCI device " + std::string(kVf1)) != std::string::npos);
        CHECK(t.sysfs.pfByPci(kPf).vfPciAddresses == Strings{kVf0, kVf1});
        CHECK_FALSE(fs::exists(fs::symlink_status(t.fake.root() / "class/net/ib0v1")));
        CHECK(t.sysfs.vf(kVf0).vfIndex == 0);
    }
    SUBCASE("numvfs lowered") {
        t.fake.setNumVfs(kPf, 1);
        const auto pf = t.sysfs.pfByPci(kPf);
        CHECK(pf.numVfs == 1);
        CHECK(pf.vfPciAddresses == Strings{kVf0});
        CHECK(kernelErrorOf([&] { t.sysfs.vf(kVf1); }).err() == ENOENT);
        t.fake.setNumVfs(kPf, 0);
        CHECK(t.sysfs.pfByPci(kPf).vfPciAddresses.empty());
        CHECK_FALSE(fs::exists(fs::symlink_status(t.fake.root() / "class/infiniband/mlx5_2")));
    }
}

TEST_CASE("the PCI address behind a netdev") {
    Topology t;
    CHECK(t.sysfs.pciAddressOfNetdev("ib0") == kPf);
    CHECK(t.sysfs.pciAddressOfNetdev("ib0v1") == kVf1);
    t.fake.addVirtualNetdev("veth123");
    CHECK(t.sysfs.pciAddressOfNetdev("veth123") == std::nullopt);
    CHECK(kernelErrorOf([&] { t.sysfs.pciAddressOfNetdev("nosuch0"); }).err() == ENOENT);
}

TEST_CASE("RDMA char devices are matched by their ibdev") {
    Topology t;
    t.fake.addVf(kPf, 2, "0000:3b:00.4", FakeVfOptions().withRdma("mlx5_20"));
    t.fake.addRdmaCharDevices("mlx5_0", 0, 0);
    t.fake.addRdmaCharDevices("mlx5_2", 2, 2);
    t.fake.addRdmaCharDevices("mlx5_20", 10, 12);
    CHECK(t.sysfs.rdmaCharDevices("mlx5_2") == Strings{"/dev/infiniband/uverbs2", "/dev/infiniband/issm2", "/dev/infiniband/umad2"});
    CHECK(t.sysfs.rdmaCharDevices("mlx5_20") == Strings{"/dev/infiniband/uverbs10", "/dev/infiniband/issm12", "/dev/infiniband/umad12"});
    CHECK(t.sysfs.rdmaCharDevices("mlx5_") == Strings{});
    CHECK(t.sysfs.rdmaCharDevices("mlx5_9") == Strings{});
}

TEST_CASE("RDMA char devices are read beside the device, and in the class directories for one without a parent") {
    Topology t;
    t.fake.addRdmaCharDevices("mlx5_2", 2, 2);
    // Beside the device: found without the class directories' entries (what 512 VFs would cost).
    for (const char* entry : {"class/infiniband_verbs/uverbs2", "class/infiniband_mad/umad2", "class/infiniband_mad/issm2"})
        fs::remove(t.fake.root() / entry);
    CHECK(t.sysfs.rdmaCharDevices("mlx5_2") == Strings{"/dev/infiniband/uverbs2", "/dev/infiniband/issm2", "/dev/infiniband/umad2"});
    // A software device (rxe) has no parent device: only the class directories know its char devices.
    const fs::path rxe = t.fake.root() / "devices/virtual/infiniband/rxe0";
    fs::create_directories(rxe);
    fs::create_directory_symlink("../../devices/virtual/infiniband/rxe0", t.fake.root() / "class/infiniband/rxe0");
    const fs::path uverbs = t.fake.root() / "devices/virtual/infiniband_verbs/uverbs7";
    fs::create_directories(uverbs);
    std::ofstream(uverbs / "ibdev") << "rxe0\n";
    fs::create_directory_symlink("../../devices/virtual/infiniband_verbs/uverbs7", t.fake.root() / "class/infiniband_verbs/uverbs7");
    CHECK(t.sysfs.rdmaCharDevices("rxe0") == Strings{"/dev/infiniband/uverbs7"});
    CHECK(kernelErrorOf([&] { t.sysfs.rdmaCharDevices("../mlx5_2"); }).err() == EINVAL);
}

TEST_CASE("driver unbind and bind write the PCI address to the right files") {
    Topology t;
    CHECK(t.sysfs.unbindDriver(kVf0));
    CHECK(t.fake.readDriverFile("mlx5_core", "unbind") == kVf0);
    CHECK(t.fake.readDriverFile("mlx5_core", "bind") == "");

    t.fake.setDriver(kVf0, "");  // what the kernel does on unbind
    t.fake.clearDriverFiles("mlx5_core");
    CHECK_FALSE(t.sysfs.unbindDriver(kVf0));  // already unbound: nothing written
    CHECK(t.fake.readDriverFile("mlx5_core", "unbind") == "");

    CHECK(t.sysfs.bindDriver(kVf0, "mlx5_core"));
    CHECK(t.fake.readDriverFile("mlx5_core", "bind") == kVf0);

    t.fake.setDriver(kVf0, "mlx5_core");
    t.fake.clearDriverFiles("mlx5_core");
    CHECK_FALSE(t.sysfs.bindDriver(kVf0, "mlx5_core"));  // already bound to it
    CHECK(t.fake.readDriverFile("mlx5_core", "bind") == "");

    // A VF on another driver: unbind goes through its own driver link.
    t.fake.setDriver(kVf1, "vfio-pci");
    CHECK(t.sysfs.unbindDriver(kVf1));
    CHECK(t.fake.readDriverFile("vfio-pci", "unbind") == kVf1);

    const auto e = kernelErrorOf([&] { t.sysfs.bindDriver(kVf1, "nosuchdrv"); });
    CHECK(e.err() == ENOENT);
    CHECK(std::string(e.what()).find(t.fake.root().string() + "/bus/pci/drivers/nosuchdrv/bind") != std::string::npos);
    CHECK(kernelErrorOf([&] { t.sysfs.unbindDriver("0000:3b:07.0"); }).err() == ENOENT);
}

TEST_CASE("isValidPciAddress accepts exactly dddd:bb:dd.f") {
    struct Case {
        const char* text;
        bool valid;
    };
    const Case cases[] = {
        {"0000:3b:00.2", true},   {"0000:00:00.0", true},
        {"ffff:ff:1f.7", true},   {"0001:af:10.3", true},
        {"0000:3b:20.0", false},  // device > 0x1f
        {"0000:3b:1f.8", false},  // function > 7
        {"0000:3b:00.a", false},  {"3b:00.2", false},
        {"0000:3b:00.20", false}, {"00000:3b:00.2", false},
        {"0000:3B:00.2", false},  {"0000-3b:00.2", false},
        {"0000:3b-00.2", false},  {"0000:3b:00:2", false},
        {"0000:3g:00.2", false},  {"", false},
        {"0000:3b:0.2", false},   {" 0000:3b:00.2", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(isValidPciAddress(c.text) == c.valid);
    }
}

TEST_CASE("Sysfs::fromEnvironment follows IBVF_SYSFS_ROOT") {
    const char* saved = std::getenv("IBVF_SYSFS_ROOT");
    const std::string savedValue = saved ? saved : "";
    ::setenv("IBVF_SYSFS_ROOT", "/tmp/some-root", 1);
    CHECK(Sysfs::fromEnvironment().root() == "/tmp/some-root");
    CHECK(Sysfs::fromEnvironment().pciDeviceDir(kVf0) == fs::path("/tmp/some-root/bus/pci/devices") / kVf0);
    ::unsetenv("IBVF_SYSFS_ROOT");
    CHECK(Sysfs::fromEnvironment().root() == "/sys");
    if (saved) ::setenv("IBVF_SYSFS_ROOT", savedValue.c_str(), 1);
}
