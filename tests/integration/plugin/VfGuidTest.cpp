// GUIDs: set through the PF with the originals on record first, the VF rebound so the driver
// takes them, restored on DEL and on a failed ADD. The recording fake stands in for the PF's
// driver; the fake sysfs records the unbind/bind writes.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "InProcessNode.hpp"
#include "PluginLab.hpp"
#include "cni/Error.hpp"
#include "linux/Guid.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Detach.hpp"
#include "plugin/PluginConfig.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

constexpr std::uint64_t kOriginalNode = 0x0002c90300001111ULL;
constexpr std::uint64_t kOriginalPort = 0x0002c90300002222ULL;

void declareVf(InProcessNode& node, int pf, std::uint64_t nodeGuid = kOriginalNode, std::uint64_t portGuid = kOriginalPort) {
    linux::VfSettings initial;
    initial.vfIndex = 0;
    initial.nodeGuid = nodeGuid;
    initial.portGuid = portGuid;
    node.recorder.addVf(pf, initial);
}

// A one-VF lab whose VF the recording PF driver knows with the original GUIDs.
struct GuidLab {
    PluginLab lab;
    ScopedNetns pod;
    InProcessNode node{lab};
    int pf = 0;
    explicit GuidLab(std::uint64_t nodeGuid = kOriginalNode, std::uint64_t portGuid = kOriginalPort) {
        lab.veth(0).alsoSearch(pod.path());
        pf = ifindexOf(lab.pfNetdev());
        declareVf(node, pf, nodeGuid, portGuid);
    }
};

std::string conf(const std::string& extra, const std::string& ipam = "") {
    return netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"" + extra, ipam);
}

}  // namespace

TEST_CASE_FIXTURE(GuidLab, "guid is set on the PF for the VF, the VF is rebound, and DEL restores the original") {
    const auto text = conf(R"(,"guid":"00:11:22:33:44:55:66:77")", bundledIpam());
    auto add = node.request(cni::Command::Add, pod.path(), text);
    const auto cfg = plugin::PluginConfig::parse(add.conf);
    auto result = plugin::attach(add, cfg, node.ctx);
    auto now = node.recorder.get(pf, 0);
    CHECK(now.nodeGuid == 0x0011223344556677ULL);
    CHECK(now.portGuid == 0x0011223344556677ULL);
    // The rebind: the fake tree records the unbind write; it cannot drop the driver link the way
    // the kernel does on unbind, so Sysfs::bindDriver sees the VF still bound and skips its write.
    CHECK(lab.sysfs().readDriverFile("mlx5_core", "unbind") == vfPci(0));
    CHECK(linkExistsIn(pod.path(), "net1"));
    lab.sysfs().clearDriverFiles("mlx5_core");

    auto del = node.request(cni::Command::Del, pod.path(), text);
    plugin::detach(del, cfg, node.ctx);
    now = node.recorder.get(pf, 0);
    CHECK(now.nodeGuid == kOriginalNode);
    CHECK(now.portGuid == kOriginalPort);
    CHECK(lab.sysfs().readDriverFile("mlx5_core", "unbind") == vfPci(0));
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
    CHECK(lab.attachmentFiles().empty());
    const std::string vf = "pf=" + std::to_string(pf) + " vf=0";
    CHECK(node.recorder.callStrings() ==
          std::vector<std::string>{"get " + vf,  // ADD records the original
                                   "setGuids " + vf + " node=00:11:22:33:44:55:66:77 port=00:11:22:33:44:55:66:77",
                                   "get " + vf,  // the test's own read
                                   "setGuids " + vf + " node=00:02:c9:03:00:00:11:11 port=00:02:c9:03:00:00:22:22", "get " + vf});
}

TEST_CASE_FIXTURE(GuidLab, "GUID sources: runtimeConfig.infinibandGUID, then args.cni.guid, then guid; guidPool derives one") {
    auto parse = [](const std::string& text) { return plugin::PluginConfig::parse(cni::parseNetConf(text)); };
    const std::string base = R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","guid":"00:00:00:00:00:00:00:03")";
    CHECK(
        parse(base + R"(,"args":{"cni":{"guid":"00:00:00:00:00:00:00:02"}},"runtimeConfig":{"infinibandGUID":"00:00:00:00:00:00:00:01"}})")
            .guid->value() == 1);
    CHECK(parse(base + R"(,"args":{"cni":{"guid":"00:00:00:00:00:00:00:02"}}})").guid->value() == 2);
    CHECK(parse(base + "}").guid->value() == 3);
    for (const std::string bad : {"00:11:22", "00:00:00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff:ff:ff", "zz:11:22:33:44:55:66:77"}) {
        CAPTURE(bad);
        try {
            parse(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","guid":")" + bad + "\"}");
            FAIL("accepted " << bad);
        } catch (const cni::Error& e) {
            CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
        }
    }

    const auto text = conf(R"(,"guidPool":"02:00:00:00:00")", bundledIpam());
    auto add = node.request(cni::Command::Add, pod.path(), text);
    const auto cfg = plugin::PluginConfig::parse(add.conf);
    plugin::attach(add, cfg, node.ctx);
    const auto expected = linux::GuidPool::parse("02:00:00:00:00").guidFor(PluginLab::kPf, 0);
    CHECK(node.recorder.get(pf, 0).portGuid == expected.value());
    plugin::detach(node.request(cni::Command::Del, pod.path(), text), cfg, node.ctx);
    CHECK(node.recorder.get(pf, 0).portGuid == kOriginalPort);
}

TEST_CASE_FIXTURE(GuidLab, "a failed ADD after the GUID change puts the original GUID back") {
    const std::string ipam = R"({"type":"ibvf-ipam","ranges":[[{"subnet":"10.62.0.0/24"}]],)"
                             R"("routes":[{"dst":"10.99.0.0/16","gw":"192.0.2.77"}]})";
    auto add = node.request(cni::Command::Add, pod.path(), conf(R"(,"guid":"00:11:22:33:44:55:66:77")", ipam));
    const auto cfg = plugin::PluginConfig::parse(add.conf);
    const auto host = HostSnapshot::capture();
    CHECK_THROWS(plugin::attach(add, cfg, node.ctx));
    CHECK(node.recorder.get(pf, 0).nodeGuid == kOriginalNode);
    CHECK(node.recorder.get(pf, 0).portGuid == kOriginalPort);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE_FIXTURE(GuidLab, "the PF refuses the GUID: code 104, nothing changed") {
    node.recorder.failOperation("setGuids", EOPNOTSUPP, 1);
    const auto error = node.attachError(node.request(cni::Command::Add, pod.path(), conf(R"(,"guid":"00:11:22:33:44:55:66:77")")));
    REQUIRE(error);
    CHECK(error->code() == cni::ErrorCode::HardwareUnsupported);
    CHECK(error->msg().find("GUID") != std::string::npos);
    CHECK(node.recorder.get(pf, 0).portGuid == kOriginalPort);
    CHECK(lab.sysfs().readDriverFile("mlx5_core", "unbind").empty());
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE("guid with the real kernel on a veth PF: the refusal reaches the user, the host is unchanged") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto host = HostSnapshot::capture();
    auto r = lab.run("ADD", "cid-guid", pod.path(), conf(R"(,"guid":"00:11:22:33:44:55:66:77")", bundledIpam()));
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    REQUIRE(r.json);
    CHECK((*r.json)["code"].GetUint() == 101);
    CHECK(jsonString(*r.json, "msg").find("GUID of VF " + vfPci(0)) != std::string::npos);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.attachmentFiles().empty());
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
}

TEST_CASE("the pod's namespace died before DEL: the VF's GUID and link state are still put back (ib-sriov-cni leaves them)") {
    PluginLab lab;
    InProcessNode node(lab);
    const int pf = ifindexOf(lab.pfNetdev());
    declareVf(node, pf);
    node.recorder.setLinkState(pf, 0, linux::VfLinkState::Disable);
    const auto text = conf(R"(,"guid":"00:11:22:33:44:55:66:77","link_state":"enable")", bundledIpam());
    std::string podPath;
    {
        ScopedNetns pod;
        podPath = pod.path();
        lab.veth(0).alsoSearch(pod.path());
        auto add = node.request(cni::Command::Add, pod.path(), text);
        plugin::attach(add, plugin::PluginConfig::parse(add.conf), node.ctx);
        CHECK(node.recorder.get(pf, 0).portGuid == 0x0011223344556677ULL);
    }  // the namespace goes, and the veth stand-in with it
    // A physical VF netdev returns to the host when its namespace dies; the stand-in does too.
    VethPair returned(lab.vfNetdev(0), uniqueName());
    auto del = node.request(cni::Command::Del, podPath, text);
    plugin::detach(del, plugin::PluginConfig::parse(del.conf), node.ctx);
    const auto now = node.recorder.get(pf, 0);
    CHECK(now.nodeGuid == kOriginalNode);
    CHECK(now.portGuid == kOriginalPort);
    CHECK(now.linkState == linux::VfLinkState::Disable);
    CHECK(lab.attachmentFiles().empty());
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
}

namespace {

// A fresh VF: the PF reports its node and port GUID as zero.
struct ZeroGuidLab : GuidLab {
    ZeroGuidLab() : GuidLab(0, 0) {}
};

}  // namespace

TEST_CASE_FIXTURE(ZeroGuidLab, "a VF whose GUIDs the PF reports as zero gets the configured GUID, and DEL sets zero again") {
    const auto text = conf(R"(,"guid":"00:11:22:33:44:55:66:77")", bundledIpam());
    auto add = node.request(cni::Command::Add, pod.path(), text);
    const auto cfg = plugin::PluginConfig::parse(add.conf);
    plugin::attach(add, cfg, node.ctx);
    CHECK(node.recorder.get(pf, 0).nodeGuid == 0x0011223344556677ULL);
    CHECK(node.recorder.get(pf, 0).portGuid == 0x0011223344556677ULL);
    CHECK(linkExistsIn(pod.path(), "net1"));

    plugin::detach(node.request(cni::Command::Del, pod.path(), text), cfg, node.ctx);
    // The last driver call puts zero back, as it was (not "unknown, left alone"); the two gets
    // between are the test's own reads.
    const std::string vf = "pf=" + std::to_string(pf) + " vf=0";
    CHECK(node.recorder.callStrings() ==
          std::vector<std::string>{"get " + vf, "setGuids " + vf + " node=00:11:22:33:44:55:66:77 port=00:11:22:33:44:55:66:77",
                                   "get " + vf, "get " + vf,
                                   "setGuids " + vf + " node=00:00:00:00:00:00:00:00 port=00:00:00:00:00:00:00:00"});
    CHECK(node.recorder.get(pf, 0).nodeGuid == 0);
    CHECK(node.recorder.get(pf, 0).portGuid == 0);
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE_FIXTURE(ZeroGuidLab, "a failed ADD on a VF with zero GUIDs puts zero back") {
    const std::string ipam = R"({"type":"ibvf-ipam","ranges":[[{"subnet":"10.63.0.0/24"}]],)"
                             R"("routes":[{"dst":"10.99.0.0/16","gw":"192.0.2.77"}]})";
    auto add = node.request(cni::Command::Add, pod.path(), conf(R"(,"guid":"00:11:22:33:44:55:66:77")", ipam));
    const auto host = HostSnapshot::capture();
    CHECK_THROWS(plugin::attach(add, plugin::PluginConfig::parse(add.conf), node.ctx));
    // It was set, then undone.
    const std::string vf = "pf=" + std::to_string(pf) + " vf=0";
    CHECK(node.recorder.callStrings() ==
          std::vector<std::string>{"get " + vf, "setGuids " + vf + " node=00:11:22:33:44:55:66:77 port=00:11:22:33:44:55:66:77",
                                   "setGuids " + vf + " node=00:00:00:00:00:00:00:00 port=00:00:00:00:00:00:00:00"});
    CHECK(node.recorder.get(pf, 0).nodeGuid == 0);
    CHECK(node.recorder.get(pf, 0).portGuid == 0);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE("a PF that reports no VF GUIDs, with a VF netdev that is not IPoIB: code 104, nothing changed") {
    PluginLab lab;
    ScopedNetns pod;
    InProcessNode node{lab};
    lab.veth(0).alsoSearch(pod.path());
    const int pf = ifindexOf(lab.pfNetdev());
    linux::VfSettings silent;  // the driver has no ndo_get_vf_guid: no GUID attributes at all
    silent.vfIndex = 0;
    node.recorder.addVf(pf, silent);
    const auto error = node.attachError(node.request(cni::Command::Add, pod.path(), conf(R"(,"guid":"00:11:22:33:44:55:66:77")")));
    REQUIRE(error);
    CHECK(error->code() == cni::ErrorCode::HardwareUnsupported);
    // Only the read that found no GUIDs: nothing set.
    CHECK(node.recorder.callStrings() == std::vector<std::string>{"get pf=" + std::to_string(pf) + " vf=0"});
    CHECK(lab.sysfs().readDriverFile("mlx5_core", "unbind").empty());
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
    CHECK(lab.attachmentFiles().empty());
}
