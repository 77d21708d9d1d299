// Discovery and Allocate's files over a fake sysfs tree (plain files: no root needed).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <rapidjson/document.h>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/Discovery.hpp"
#include "deviceplugin/RecordReclaim.hpp"
#include "support/FakeSysfs.hpp"

namespace fs = std::filesystem;
using namespace ibvf::dp;
using ibvf::test::FakePfOptions;
using ibvf::test::FakeSysfs;
using ibvf::test::FakeVfOptions;

namespace {

constexpr const char* kPf0 = "0000:3b:00.0";
constexpr const char* kPf1 = "0000:5e:00.0";

std::string vf(int bus, unsigned i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0000:%02x:%02x.%x", bus, 1 + i / 8, i % 8);
    return buf;
}

struct Node {
    FakeSysfs sysfs;
    Node() {
        sysfs.addPf(kPf0, "ib0", 8, FakePfOptions().withRdma("mlx5_0").withNumaNode(0));
        sysfs.addPf(kPf1, "ib1", 8, FakePfOptions().withRdma("mlx5_1").withNumaNode(1).withNetType(1));
        for (unsigned i = 0; i < 3; ++i) {
            sysfs.addVf(kPf0, i, vf(0x3b, i), FakeVfOptions().withRdma("mlx5_" + std::to_string(10 + i)));
            sysfs.addRdmaCharDevices("mlx5_" + std::to_string(10 + i), 10 + i, 10 + i);
        }
        sysfs.addVf(kPf1, 0, vf(0x5e, 0), FakeVfOptions().withDriver("vfio-pci"));
    }
    ibvf::linux::Sysfs view() const { return ibvf::linux::Sysfs(sysfs.root()); }
};

std::vector<std::string> ids(const Pool& p) {
    std::vector<std::string> out;
    for (const auto& d : p.devices) out.push_back(d.id);
    return out;
}

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/ibvf-dpu-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string readAll(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("seed sriov config: one device per VF of the named PF, with NUMA node and RDMA device") {
    Node node;
    const auto pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    REQUIRE(pools.size() == 1);
    CHECK(ids(pools[0]) == std::vector<std::string>{vf(0x3b, 0), vf(0x3b, 1), vf(0x3b, 2)});
    const auto& d = pools[0].devices[1];
    CHECK(d.pfPciAddress == kPf0);
    CHECK(d.pfNetdev == "ib0");
    CHECK(d.vfIndex == 1);
    CHECK(d.numaNode == 0);
    CHECK(d.rdmaDevice == "mlx5_11");
    CHECK(d.present);
    CHECK(pools[0].problems.empty());
}

TEST_CASE("selectors: every PF when pfNames is empty, then link type, driver, vendor, device, VF range") {
    Node node;
    auto discoverWith = [&](const std::string& selectors) {
        return discover(parseConfig(R"({"resources":[{"name":"x","selectors":)" + selectors + "}]}"), node.view()).at(0);
    };
    CHECK(discoverWith("{}").devices.size() == 4);
    CHECK(ids(discoverWith(R"({"linkTypes":["ether"]})")) == std::vector<std::string>{vf(0x5e, 0)});
    CHECK(ids(discoverWith(R"({"drivers":["vfio-pci"]})")) == std::vector<std::string>{vf(0x5e, 0)});
    CHECK(discoverWith(R"({"vendors":["15b3"]})").devices.size() == 4);
    CHECK(discoverWith(R"({"vendors":["8086"]})").devices.empty());
    CHECK(discoverWith(R"({"devices":["1018"]})").devices.empty());  // FakeSysfs writes no device id
    CHECK(ids(discoverWith(R"({"pfNames":["ib0#1-2"]})")) == std::vector<std::string>{vf(0x3b, 1), vf(0x3b, 2)});
    CHECK(discoverWith(R"({"pfNames":["ib1"]})").devices.at(0).numaNode == 1);
}

TEST_CASE("a missing PF is a problem of its pool, not a failure; a vanished VF stays listed, not present") {
    Node node;
    auto pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0","ib9"]})"), node.view());
    CHECK(pools[0].devices.size() == 3);
    REQUIRE(pools[0].problems.size() == 1);
    CHECK(pools[0].problems[0].find("ib9") != std::string::npos);

    node.sysfs.removeVf(vf(0x3b, 1));
    pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    REQUIRE(pools[0].devices.size() == 3);
    CHECK_FALSE(pools[0].devices[1].present);
    CHECK(pools[0].devices[0].present);

    node.sysfs.setNumVfs(kPf0, 1);
    pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    CHECK(ids(pools[0]) == std::vector<std::string>{vf(0x3b, 0)});
}

// Found by fuzzing (ibvf-fuzz-sysfs): discovery walked sriov_numvfs virtfn links whatever the
// number, so a value of 2^31-1 stalled every refresh for hours.
TEST_CASE("a sriov_numvfs larger than SR-IOV allows is a problem of the pool, not a walk of that many links") {
    Node node;
    std::ofstream(node.sysfs.deviceDir(kPf0) / "sriov_numvfs") << "65536\n";
    const auto pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    REQUIRE(pools.size() == 1);
    CHECK(pools[0].devices.empty());
    REQUIRE(pools[0].problems.size() == 1);
    CHECK(pools[0].problems[0].find("sriov_numvfs 65536") != std::string::npos);
}

// Found by fuzzing (ibvf-fuzz-sysfs): a virtfn link to ".." made discovery offer kubelet a device
// with the ID "..".
TEST_CASE("a virtfn link that names no PCI device is not a VF") {
    Node node;
    const fs::path link = node.sysfs.deviceDir(kPf0) / "virtfn1";
    fs::remove(link);
    fs::create_symlink("..", link);
    const auto pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    CHECK(ids(pools.at(0)) == std::vector<std::string>{vf(0x3b, 0), vf(0x3b, 2)});
}

TEST_CASE("hca mode: 1000 IDs") {
    Node node;
    const auto pools = discover(parseConfig(R"({"mode":"hca"})"), node.view());
    REQUIRE(pools[0].devices.size() == kHcaDeviceCount);
    CHECK(pools[0].devices.front().id == "0");
    CHECK(pools[0].devices.back().id == "999");
}

TEST_CASE("enableVfs writes sriov_totalvfs to a PF with none") {
    FakeSysfs sysfs;
    sysfs.addPf(kPf0, "ib0", 16);
    const auto view = ibvf::linux::Sysfs(sysfs.root());
    CHECK(enableVfs(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), view) == 0);
    CHECK(enableVfs(parseConfig(R"({"enableVfs":true,"resources":[{"name":"a","selectors":{"pfNames":["ib0"]}}]})"), view) == 1);
    CHECK(readAll(sysfs.deviceDir(kPf0) / "sriov_numvfs").substr(0, 2) == "16");
}

TEST_CASE("allocateContainer: env, char devices, devinfo file, record; reclaim drops records of gone VFs") {
    Node node;
    TempDir dir;
    const AllocationPaths paths{dir.path / "devinfo", dir.path / "allocations"};
    auto pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    const auto a = allocateContainer(pools[0], {vf(0x3b, 2)}, node.view(), paths);
    REQUIRE(a.envs.size() == 1);
    CHECK(a.envs[0].first == "PCIDEVICE_RDMA_VHCA");
    CHECK(a.envs[0].second == vf(0x3b, 2));
    std::vector<std::string> devs;
    for (const auto& d : a.devices) devs.push_back(d.path + " " + d.permissions);
    CHECK(devs == std::vector<std::string>{"/dev/infiniband/issm12 rwm", "/dev/infiniband/rdma_cm rwm", "/dev/infiniband/umad12 rwm",
                                           "/dev/infiniband/uverbs12 rwm"});
    rapidjson::Document info;
    info.Parse(readAll(paths.devinfoDir / ("rdma-vhca-" + vf(0x3b, 2) + "-device.json")).c_str());
    REQUIRE(info.IsObject());
    CHECK(std::string(info["pci"]["pf-pci-address"].GetString()) == kPf0);
    CHECK(fs::exists(paths.allocationsDir / (vf(0x3b, 2) + ".json")));
    CHECK_THROWS_AS(allocateContainer(pools[0], {"0000:00:00.7"}, node.view(), paths), std::invalid_argument);

    CHECK(reclaimVanishedRecords(pools, paths) == 0);
    node.sysfs.setNumVfs(kPf0, 2);
    pools = discover(parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0"]})"), node.view());
    CHECK(reclaimVanishedRecords(pools, paths) == 1);
    CHECK_FALSE(fs::exists(paths.allocationsDir / (vf(0x3b, 2) + ".json")));
}

TEST_CASE("pKeys selects the VFs whose pkey table holds one of the partitions, full or limited member") {
    Node node;
    node.sysfs.setIbIdentity("mlx5_10", 1, 1, {0x8001});
    node.sysfs.setIbIdentity("mlx5_11", 2, 2, {0xffff, 0, 0x0002});  // limited member of 2, at index 2
    // mlx5_12 has no pkey table in sysfs; the vfio-pci VF has no RDMA device: neither is in a partition.
    auto discoverWith = [&](const std::string& pKeys) {
        return ids(discover(parseConfig(R"({"resources":[{"name":"x","selectors":{"pKeys":)" + pKeys + "}}]}"), node.view()).at(0));
    };
    CHECK(discoverWith(R"(["0x1"])") == std::vector<std::string>{vf(0x3b, 0)});
    CHECK(discoverWith(R"(["0x8001"])") == std::vector<std::string>{vf(0x3b, 0)});
    CHECK(discoverWith(R"(["0x8002"])") == std::vector<std::string>{vf(0x3b, 1)});
    CHECK(discoverWith(R"(["0x7fff"])") == std::vector<std::string>{vf(0x3b, 1)});  // the default partition
    CHECK(discoverWith(R"(["0x1","0x2"])") == std::vector<std::string>{vf(0x3b, 0), vf(0x3b, 1)});
    CHECK(discoverWith(R"(["0x3"])").empty());
}
