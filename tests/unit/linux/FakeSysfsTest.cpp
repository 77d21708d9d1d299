// The fake sysfs tree the unit tests read: its links have the kernel's shape, and it is gone
// afterwards.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <utility>

#include "SysfsTopology.hpp"
#include "support/FakeSysfs.hpp"

namespace fs = std::filesystem;
using ibvf::test::FakeSysfs;
using ibvf::test::kPf;
using ibvf::test::kVf0;
using ibvf::test::kVf1;
using Topology = ibvf::test::SysfsTopology;

namespace {

std::string readLink(const fs::path& p) { return fs::read_symlink(p).string(); }

}  // namespace

TEST_CASE("FakeSysfs links have the kernel's relative shape") {
    Topology t;
    const fs::path root = t.fake.root();
    CHECK(readLink(root / "bus/pci/devices" / kVf0) == std::string("../../../devices/pci0000:00/0000:00:01.0/") + kVf0);
    CHECK(readLink(root / "bus/pci/devices" / kVf0 / "physfn") == std::string("../") + kPf);
    CHECK(readLink(root / "bus/pci/devices" / kPf / "virtfn1") == std::string("../") + kVf1);
    CHECK(readLink(root / "bus/pci/devices" / kVf0 / "driver") == "../../../../bus/pci/drivers/mlx5_core");
    CHECK(readLink(root / "class/net/ib0v0") == std::string("../../devices/pci0000:00/0000:00:01.0/") + kVf0 + "/net/ib0v0");
    CHECK(readLink(root / "class/net/ib0v0/device") == std::string("../../../") + kVf0);
    CHECK(fs::equivalent(root / "class/net/ib0/device", root / "bus/pci/devices" / kPf));
    CHECK(fs::equivalent(root / "class/infiniband/mlx5_2", root / "bus/pci/devices" / kVf0 / "infiniband/mlx5_2"));
    CHECK(fs::is_regular_file(root / "bus/pci/drivers/mlx5_core/bind"));
    CHECK(fs::is_regular_file(root / "bus/pci/drivers/mlx5_core/unbind"));
    CHECK(t.fake.envVar() == std::pair<std::string, std::string>{"IBVF_SYSFS_ROOT", root.string()});
    CHECK(t.fake.envEntry() == "IBVF_SYSFS_ROOT=" + root.string());
}

TEST_CASE("FakeSysfs removes its tree") {
    fs::path root;
    {
        FakeSysfs fake;
        root = fake.root();
        CHECK(fs::is_directory(root / "bus/pci/devices"));
    }
    CHECK_FALSE(fs::exists(root));
}
