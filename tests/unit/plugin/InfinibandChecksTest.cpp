// The InfiniBand checks that need an IPoIB netdev, which this kernel cannot create: fed with
// LinkInfo values shaped like the kernel's, and a sysfs attribute file.
#include <doctest/doctest.h>

#include <fstream>

#include "cni/Error.hpp"
#include "linux/Sysfs.hpp"
#include "plugin/DeviceInfoFile.hpp"
#include "plugin/IpoibMtu.hpp"
#include "plugin/PartitionChild.hpp"
#include "plugin/VfGuid.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
using ibvf::cni::ErrorCode;

namespace {

// A 20-byte IPoIB hardware address: flags+QPN, GID prefix, then the port GUID in bytes 12..19.
linux::LinkInfo ipoibLink(std::uint64_t guid) {
    linux::LinkInfo link;
    link.name = "ib0v3";
    link.arptype = 32;
    link.hwaddr = {0x00, 0x00, 0x01, 0x49, 0xfe, 0x80, 0, 0, 0, 0, 0, 0};
    for (int i = 7; i >= 0; --i) link.hwaddr.push_back(static_cast<std::uint8_t>(guid >> (8 * i)));
    return link;
}

ErrorCode codeOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const cni::Error& e) {
        return e.code();
    }
    FAIL("expected a CNI error");
    return ErrorCode::SystemFailure;
}

}  // namespace

TEST_CASE("an IPoIB VF without a GUID to set must already have a usable one") {
    CHECK_NOTHROW(plugin::requireUsableGuid(ipoibLink(0x0002c90300a1b2c3ULL), "0000:3b:00.2", 1));
    for (std::uint64_t bad : {0ULL, ~0ULL}) {
        try {
            plugin::requireUsableGuid(ipoibLink(bad), "0000:3b:00.2", 1);
            FAIL("accepted GUID " << bad);
        } catch (const cni::Error& e) {
            CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
            CHECK(std::string(e.what()).find("no usable GUID") != std::string::npos);
            CHECK(e.details().find("vf 1 node_guid") != std::string::npos);
        }
    }
    linux::LinkInfo truncated = ipoibLink(1);
    truncated.hwaddr.resize(6);
    CHECK(codeOf([&] { plugin::requireUsableGuid(truncated, "0000:3b:00.2", 1); }) == ErrorCode::InvalidNetworkConfig);
    linux::LinkInfo ether;
    ether.arptype = 1;
    ether.hwaddr = {2, 0, 0, 0, 0, 1};
    CHECK_NOTHROW(plugin::requireUsableGuid(ether, "0000:3b:00.2", 1));
}

TEST_CASE("IPoIB MTU limits follow the netdev's mode") {
    CHECK(plugin::ipoibMaxMtu("datagram") == 4092u);
    CHECK(plugin::ipoibMaxMtu("connected") == 65520u);
    CHECK_FALSE(plugin::ipoibMaxMtu("other").has_value());

    test::ScratchDir root;
    std::filesystem::create_directories(root.path() / "class/net/ib0v3");
    const linux::Sysfs sysfs(root.path());
    const auto link = ipoibLink(1);
    SUBCASE("no mode file: datagram limits apply") {
        CHECK_NOTHROW(plugin::requireMtuFits(4092, link, sysfs, "0000:3b:00.2"));
        try {
            plugin::requireMtuFits(9000, link, sysfs, "0000:3b:00.2");
            FAIL("9000 accepted in datagram mode");
        } catch (const cni::Error& e) {
            CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
            CHECK(std::string(e.what()) == "mtu 9000 is above the IPoIB datagram-mode limit of 4092 for VF 0000:3b:00.2 (ib0v3)");
            CHECK(e.details() ==
                  "use mtu <= 4092 (2044 on a fabric with a 2 KiB IB MTU), or switch the VF to connected mode (echo connected > "
                  "/sys/class/net/ib0v3/mode) for up to 65520");
        }
    }
    SUBCASE("connected mode allows up to 65520") {
        std::ofstream(root.path() / "class/net/ib0v3/mode") << "connected\n";
        CHECK_NOTHROW(plugin::requireMtuFits(65520, link, sysfs, "0000:3b:00.2"));
    }
    SUBCASE("ethernet netdevs are left to the kernel") {
        linux::LinkInfo ether;
        ether.name = "eth9";
        ether.arptype = 1;
        CHECK_NOTHROW(plugin::requireMtuFits(9000, ether, sysfs, "0000:3b:00.2"));
    }
}

TEST_CASE("pkey parent names fit IFNAMSIZ") {
    CHECK(plugin::partitionParentName("net1") == "net1-vf");
    CHECK(plugin::partitionParentName("averyverylongnm") == "averyverylon-vf");
    CHECK(plugin::partitionParentName("averyverylongnm").size() == 15);
}

TEST_CASE("CNIDeviceInfoFile is confined to the devinfo directory") {
    const std::filesystem::path dir = "/var/run/k8s.cni.cncf.io/devinfo/cni";
    CHECK(plugin::confineDeviceInfoPath((dir / "net-cid-net1-device.json").string(), dir) == dir / "net-cid-net1-device.json");
    CHECK(plugin::confineDeviceInfoPath(dir.string() + "/./a.json", dir) == dir / "a.json");
    for (const std::string& bad : {std::string("/etc/passwd"), dir.string() + "/../dp/x.json", dir.string() + "/sub/x.json",
                                   std::string("x.json"), dir.string() + "/", dir.string() + "/.."}) {
        CHECK_MESSAGE(codeOf([&] { plugin::confineDeviceInfoPath(bad, dir); }) == ErrorCode::InvalidNetworkConfig, bad);
    }
}

TEST_CASE("guidsToRestore: a GUID the PF reports is a value, zero included; the IPoIB address fills in only what it omits") {
    linux::VfSettings fresh;
    fresh.nodeGuid = 0;
    fresh.portGuid = 0;
    // A fresh VF: zero GUIDs reported, whatever its netdev is.
    for (const auto& link : {ipoibLink(0), ipoibLink(0x0002c90300001234ULL), linux::LinkInfo{}}) {
        const auto [node, port] = plugin::guidsToRestore(fresh, link, "0000:3b:00.2");
        CHECK(node.value() == 0);
        CHECK(port.value() == 0);
    }
    linux::VfSettings reported;
    reported.nodeGuid = 0x1111;
    reported.portGuid = 0x2222;
    const auto [node, port] = plugin::guidsToRestore(reported, ipoibLink(0x3333), "0000:3b:00.2");
    CHECK(node.value() == 0x1111);
    CHECK(port.value() == 0x2222);

    // A PF that reports nothing: the IPoIB address's port GUID stands for both.
    const auto fromHwaddr = plugin::guidsToRestore(linux::VfSettings{}, ipoibLink(0x0002c90300001234ULL), "0000:3b:00.2");
    CHECK(fromHwaddr.first.value() == 0x0002c90300001234ULL);
    CHECK(fromHwaddr.second.value() == 0x0002c90300001234ULL);
    linux::VfSettings onlyNode;
    onlyNode.nodeGuid = 0;
    const auto mixed = plugin::guidsToRestore(onlyNode, ipoibLink(0x4444), "0000:3b:00.2");
    CHECK(mixed.first.value() == 0);
    CHECK(mixed.second.value() == 0x4444);
}

TEST_CASE("guidsToRestore: no GUID reported and none in the netdev is code 104 naming the VF") {
    linux::LinkInfo veth;
    veth.arptype = 1;
    veth.hwaddr = {0x02, 0, 0, 0, 0, 1};
    for (const auto& link : {veth, ipoibLink(0), linux::LinkInfo{}}) {
        try {
            plugin::guidsToRestore(linux::VfSettings{}, link, "0000:3b:00.2");
            FAIL("accepted a VF whose GUID cannot be read");
        } catch (const cni::Error& e) {
            CHECK(e.code() == ErrorCode::HardwareUnsupported);
            CHECK(e.msg().find("0000:3b:00.2") != std::string::npos);
            CHECK(e.details().find("reports no GUIDs") != std::string::npos);
        }
    }
}
