// inspectNode with the hardware-only sources replaced: a PF driver that reports VF GUIDs (zero,
// or shared by two VFs) and an RDMA subsystem in shared netns mode, which the veth stand-ins
// and this kernel cannot show.
#include <doctest/doctest.h>

#include "DiagLab.hpp"
#include "diag/NodeInspector.hpp"
#include "integration/plugin/InProcessNode.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Detach.hpp"
#include "plugin/PluginConfig.hpp"
#include "support/RecordingRdmaNetns.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

diag::InspectOptions optionsFor(const DiagLab& d) {
    diag::InspectOptions o;
    o.pfs = {d.lab.pfNetdev()};
    o.defaultDevicePluginConfig.reset();
    o.kubeletDir = d.kubeletDir();
    o.ipamDataDir = d.lab.stateDir() / "state" / "ibvf-ipam";
    o.state = plugin::StatePaths{d.lab.attachmentsDir(), d.runDir() / "locks", d.allocationsDir()};
    return o;
}

std::vector<std::string> kinds(const diag::NodeReport& r) {
    std::vector<std::string> out;
    for (const auto& p : r.problems) out.push_back(p.kind);
    return out;
}

}  // namespace

TEST_CASE("GUIDs the PF reports: a zero GUID and a shared one are errors; the value and source are shown") {
    DiagLab d;
    RecordingVfControl pfDriver;
    const int pf = ifindexOf(d.lab.pfNetdev());
    linux::VfSettings zero;
    zero.vfIndex = 0;
    zero.nodeGuid = 0;
    zero.portGuid = 0;
    pfDriver.addVf(pf, zero);
    linux::VfSettings good;
    good.vfIndex = 1;
    good.nodeGuid = 0x0200000000000001;
    good.portGuid = 0x0200000000000001;
    pfDriver.addVf(pf, good);

    diag::NodeAccess node{linux::Sysfs(d.lab.sysfs().root()), [&] { return std::make_unique<SharedRecorder>(pfDriver); },
                          [] {
                              auto rdma = std::make_unique<RecordingRdmaNetns>();
                              rdma->setMode(linux::RdmaNetnsMode::Exclusive);
                              return rdma;
                          }};
    auto r = diag::inspectNode(optionsFor(d), node);
    CHECK(kinds(r) == std::vector<std::string>{"vf-zero-guid"});
    const auto& vfs = r.facts.pfs.at(0).vfs;
    CHECK(vfs.at(0).guid.value == "00:00:00:00:00:00:00:00");
    CHECK(vfs.at(0).guid.source == "pf");
    CHECK(vfs.at(1).guid.value == "02:00:00:00:00:00:00:01");
    CHECK(r.problems.at(0).message.find("VF " + vfPci(0) + " has GUID 00:00:00:00:00:00:00:00") == 0);
    // diag only reads: each VF once for the GUID in effect and once for its identity.
    const std::string p = "pf=" + std::to_string(pf);
    const std::vector<std::string> reads = {"get " + p + " vf=0", "get " + p + " vf=0", "get " + p + " vf=1", "get " + p + " vf=1"};
    CHECK(pfDriver.callStrings() == reads);

    pfDriver.setGuids(pf, 0, 0x0200000000000001, 0x0200000000000001);
    r = diag::inspectNode(optionsFor(d), node);
    CHECK(kinds(r) == std::vector<std::string>{"vf-duplicate-guid"});
    auto expected = reads;
    expected.push_back("setGuids " + p + " vf=0 node=02:00:00:00:00:00:00:01 port=02:00:00:00:00:00:00:01");  // the test's own
    expected.insert(expected.end(), reads.begin(), reads.end());
    CHECK(pfDriver.callStrings() == expected);
}

TEST_CASE("RDMA in shared netns mode with VFs that have RDMA devices: rdma-netns-shared") {
    DiagLab d(1);
    diag::NodeAccess node{linux::Sysfs(d.lab.sysfs().root()), nullptr, [] {
                              auto rdma = std::make_unique<RecordingRdmaNetns>();
                              rdma->setMode(linux::RdmaNetnsMode::Shared);
                              return rdma;
                          }};
    const auto r = diag::inspectNode(optionsFor(d), node);
    CHECK(kinds(r) == std::vector<std::string>{"rdma-netns-shared"});
    CHECK(r.facts.rdma.netnsMode == linux::RdmaNetnsMode::Shared);
}

TEST_CASE("the RDMA netns mode as this kernel answers it: a mode, or unknown with the reason as a note") {
    DiagLab d(1);
    const auto r = diag::inspectNode(optionsFor(d), diag::NodeAccess::real());
    if (r.facts.rdma.netnsMode) {
        MESSAGE("this kernel has RDMA netlink: mode " << linux::rdmaNetnsModeName(*r.facts.rdma.netnsMode));
    } else {
        CHECK(r.facts.rdma.detail.find("RDMA netlink") != std::string::npos);
        REQUIRE_FALSE(r.notes.empty());
        CHECK(r.notes.front().find("RDMA netns mode unknown: ") == 0);
    }
}

TEST_CASE("the default device plugin config is read when it exists, and not with --no-device-plugin-config") {
    DiagLab d(1);
    auto options = optionsFor(d);
    options.defaultDevicePluginConfig = d.writeDevicePluginConfig();
    diag::NodeAccess node{linux::Sysfs(d.lab.sysfs().root()), nullptr, [] { return std::make_unique<RecordingRdmaNetns>(); }};
    auto r = diag::inspectNode(options, node);
    REQUIRE(r.facts.devicePlugin.configPath);
    CHECK(*r.facts.devicePlugin.configPath == options.defaultDevicePluginConfig->string());
    CHECK_FALSE(r.facts.devicePlugin.configExplicit);
    CHECK(kinds(r) == std::vector<std::string>{"device-plugin-socket-missing"});

    options.defaultDevicePluginConfig.reset();
    r = diag::inspectNode(options, node);
    CHECK_FALSE(r.facts.devicePlugin.configPath);
    CHECK(kinds(r).empty());

    const auto text = BinaryRunner("ibvf-diag").run({"--json", "--pf", d.lab.pfNetdev(), "--no-device-plugin-config"}, d.env());
    REQUIRE_MESSAGE(text.json, text.summary());
    CHECK((*text.json)["devicePlugin"]["config"].IsNull());
}

TEST_CASE(
    "identity: a VF's GUIDs and pkey entry 0 from sysfs and the PF next to what ADD gave it; a GUID changed since is vf-guid-mismatch") {
    DiagLab d(1);
    ScopedNetns pod;
    d.lab.veth(0).alsoSearch(pod.path());
    InProcessNode plugin(d.lab);
    const int pf = ifindexOf(d.lab.pfNetdev());
    linux::VfSettings fresh;  // zero GUIDs, as a new VF reports them
    fresh.nodeGuid = 0;
    fresh.portGuid = 0;
    plugin.recorder.addVf(pf, fresh);
    const auto text = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","guid":"02:00:00:00:00:00:00:07","pkey":"0x6")", "");
    auto add = plugin.request(cni::Command::Add, pod.path(), text);
    const auto cfg = plugin::PluginConfig::parse(add.conf);
    plugin::attach(add, cfg, plugin.ctx);
    // The driver took the GUID: the VF's RDMA device shows it, with the partition the SM gave it.
    d.lab.sysfs().setIbIdentity("mlx5_1", 0x0200000000000007ULL, 0x0200000000000007ULL, {0x8006, 0xffff});

    diag::NodeAccess node{linux::Sysfs(d.lab.sysfs().root()), [&] { return std::make_unique<SharedRecorder>(plugin.recorder); },
                          [] {
                              auto rdma = std::make_unique<RecordingRdmaNetns>();
                              rdma->setMode(linux::RdmaNetnsMode::Exclusive);
                              return rdma;
                          }};
    auto r = diag::inspectNode(optionsFor(d), node);
    CHECK(kinds(r).empty());
    const auto& vf = r.facts.pfs.at(0).vfs.at(0);
    CHECK(vf.identity.nodeGuid == "02:00:00:00:00:00:00:07");
    CHECK(vf.identity.portGuid == "02:00:00:00:00:00:00:07");
    CHECK(vf.identity.pkey0 == "0x8006");
    CHECK(vf.identity.pfNodeGuid == "02:00:00:00:00:00:00:07");
    CHECK(vf.identity.pfPortGuid == "02:00:00:00:00:00:00:07");
    REQUIRE(vf.pod);
    CHECK(vf.pod->guid == "02:00:00:00:00:00:00:07");
    CHECK(vf.pod->partition == "0x0006");

    // Something else rewrites the VF's GUID through the PF after ADD.
    plugin.recorder.setGuids(pf, 0, 0x0200000000000099ULL, 0x0200000000000099ULL);
    r = diag::inspectNode(optionsFor(d), node);
    CHECK(kinds(r) == std::vector<std::string>{"vf-guid-mismatch"});
    CHECK(r.problems.at(0).message.find("02:00:00:00:00:00:00:99 (PF's port GUID for the VF)") != std::string::npos);

    plugin::detach(plugin.request(cni::Command::Del, pod.path(), text), cfg, plugin.ctx);
    CHECK(plugin.recorder.settings(pf, 0)->portGuid == 0);
}
