// guidSource: parsing and its refusals, and the node-local sources (pf, file) on a fake sysfs of
// two nodes with the same PCI layout.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "plugin/GuidSource.hpp"
#include "plugin/PluginConfig.hpp"
#include "support/FakeSysfs.hpp"
#include "support/ScratchDir.hpp"

using ibvf::cni::Error;
using ibvf::cni::ErrorCode;
using ibvf::linux::Guid;
using ibvf::plugin::GuidSource;
using ibvf::plugin::PluginConfig;

namespace {

constexpr const char* kEtcdIpam =
    R"("ipam":{"type":"ibvf-ipam","subnet":"10.1.0.0/24","backend":{"type":"etcd","endpoints":["http://127.0.0.1:1"]}})";
constexpr const char* kRange = R"("guidRange":"02:00:00:00:00:01:00:00-02:00:00:00:00:01:ff:ff")";

PluginConfig parse(const std::string& fields) {
    return PluginConfig::parse(ibvf::cni::parseNetConf(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf",)" + fields + "}"));
}

std::string refusal(const std::string& fields) {
    try {
        parse(fields);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
        return e.msg();
    }
    FAIL("accepted: " << fields);
    return {};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// One node: a PF at the same PCI address everywhere, with its own hardware GUID.
struct FakeNode {
    ibvf::test::FakeSysfs sysfs;
    explicit FakeNode(const std::string& pfNodeGuid) {
        sysfs.addPf("0000:3b:00.0", "", 8, ibvf::test::FakePfOptions().withRdma("mlx5_0"));
        for (unsigned i = 0; i < 4; ++i) sysfs.addVf("0000:3b:00.0", i, "0000:3b:00." + std::to_string(i + 2));
        if (!pfNodeGuid.empty()) sysfs.setNodeGuid("mlx5_0", pfNodeGuid);
    }
    ibvf::linux::Sysfs view() const { return ibvf::linux::Sysfs(sysfs.root()); }
    Guid guidOf(GuidSource source, unsigned vf) const {
        const auto s = view();
        return ibvf::plugin::nodeLocalSourceGuid(source, s, s.vf("0000:3b:00." + std::to_string(vf + 2)));
    }
};

}  // namespace

TEST_CASE("guidSource values, and what each needs") {
    CHECK(parse(R"("guidSource":"pf")").guidSource.source == GuidSource::Pf);
    CHECK(parse(R"("guidSource":"file")").guidSource.source == GuidSource::File);
    CHECK(parse("\"guidSource\":\"\"").guidSource.source == GuidSource::None);
    const auto etcd = parse(std::string(R"("guidSource":"etcd",)") + kRange + "," + kEtcdIpam);
    CHECK(etcd.guidSource.source == GuidSource::Etcd);
    CHECK(etcd.guidSource.range->first.str() == "02:00:00:00:00:01:00:00");

    CHECK(has(refusal(R"("guidSource":"random")"), "guidSource 'random' is not a GUID source"));
    CHECK(has(refusal(std::string(R"("guidSource":"etcd",)") + kEtcdIpam), "guidSource \"etcd\" needs guidRange"));
    CHECK(has(refusal(std::string(R"("guidSource":"etcd",)") + kRange + R"(,"ipam":{"type":"ibvf-ipam","subnet":"10.1.0.0/24"})"),
              "needs an etcd ipam.backend"));
    CHECK(has(refusal(std::string(R"("guidSource":"pf",)") + kRange), "guidRange is only used with"));
    CHECK(has(refusal(R"("guidSource":"etcd","guidRange":"02:00:00:00:00:01:ff:ff-02:00:00:00:00:01:00:00",)" + std::string(kEtcdIpam)),
              "is not a usable GUID range"));
    CHECK(has(refusal(R"("guidSource":"pf","guid":"02:00:00:00:00:00:00:01")"), "cannot be combined with guid"));
    CHECK(has(refusal(R"("guidSource":"file","guidPool":"02:00:00:00:00")"), "cannot be combined with guidPool"));
    // A per-pod GUID (ib-kubernetes, the runtime) is no conflict: it wins over the source.
    const auto podGuid = parse(R"("guidSource":"pf","runtimeConfig":{"infinibandGUID":"02:00:00:00:00:00:00:09"})");
    CHECK(podGuid.guid->value() == 0x0200000000000009ULL);
}

TEST_CASE("guidSource pf: identical PCI layouts on two nodes, distinct GUIDs, the same after a restart") {
    const FakeNode a("9803:9b03:0012:3456");
    const FakeNode b("9803:9b03:0012:3457");
    for (unsigned vf = 0; vf < 4; ++vf) {
        CAPTURE(vf);
        CHECK(a.guidOf(GuidSource::Pf, vf) != b.guidOf(GuidSource::Pf, vf));
        for (unsigned other = 0; other < vf; ++other) CHECK(a.guidOf(GuidSource::Pf, vf) != a.guidOf(GuidSource::Pf, other));
    }
    CHECK(a.guidOf(GuidSource::Pf, 2).str() == "9a:03:9b:00:02:12:34:56");
    const FakeNode again("9803:9b03:0012:3456");  // the node after a reboot
    CHECK(again.guidOf(GuidSource::Pf, 2) == a.guidOf(GuidSource::Pf, 2));
}

TEST_CASE("guidSource pf refuses a PF whose GUID cannot seed derived ones: code 104 saying why") {
    const auto refused = [](const FakeNode& node) {
        try {
            node.guidOf(GuidSource::Pf, 0);
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::HardwareUnsupported);
            return e.msg() + " | " + e.details();
        }
        FAIL("derived a GUID");
        return std::string();
    };
    CHECK(has(refused(FakeNode("0202:c903:0000:1111")), "locally administered"));
    CHECK(has(refused(FakeNode("0002:c9ff:fe00:1111")), "OUI:03:00:xx:xx:xx"));
    CHECK(has(refused(FakeNode("0000:0000:0000:0000")), "unassigned"));
    CHECK(has(refused(FakeNode("")), "has no node_guid"));
}

TEST_CASE("guidSource file: the node's file decides, matched by PCI address or by the PF's GUID") {
    ibvf::test::ScratchDir dir;
    const auto path = dir / "guids";
    ::setenv("IBVF_GUID_FILE", path.c_str(), 1);
    std::ofstream(path)
        << R"([{"pf_guid": "0x98039b0300123456", "rangeStart": "02:00:00:00:00:00:10:00", "rangeEnd": "02:00:00:00:00:00:10:ff"},
                               {"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:20:00", "02:00:00:00:00:00:20:01"]}])";
    const FakeNode byGuid("9803:9b03:0012:3456");
    CHECK(byGuid.guidOf(GuidSource::File, 3).str() == "02:00:00:00:00:00:10:03");
    const FakeNode byPci("9803:9b03:0099:9999");
    CHECK(byPci.guidOf(GuidSource::File, 1).str() == "02:00:00:00:00:00:20:01");
    try {
        byPci.guidOf(GuidSource::File, 2);
        FAIL("VF 2 got a GUID from a 2-GUID list");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
        CHECK(has(e.msg(), "entry 1 (pci_address 0000:3b:00.0) has 2 GUID(s)"));
    }
    ::unsetenv("IBVF_GUID_FILE");
}
