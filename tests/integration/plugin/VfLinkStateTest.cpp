// link_state: set through the PF, recorded first, restored on DEL and on a failed ADD. The real
// kernel refuses VF settings on a veth "PF"; the recording fake stands in for SR-IOV hardware.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "InProcessNode.hpp"
#include "PluginLab.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Detach.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"
#include "support/RecordingVfControl.hpp"

using namespace ibvf;
using namespace ibvf::test;

TEST_CASE("link_state on a PF without SR-IOV: the real kernel's refusal reaches the user, nothing changed") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto host = HostSnapshot::capture();
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","link_state":"enable")", bundledIpam());
    auto r = lab.run("ADD", "cid-ls", pod.path(), conf);
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    REQUIRE(r.json);
    // A veth "PF" reports no VFs at all (ENODEV), so the read before any change already fails.
    CHECK((*r.json)["code"].GetUint() == 101);
    CHECK(jsonString(*r.json, "msg").find("link state of VF " + vfPci(0)) != std::string::npos);
    CHECK(jsonString(*r.json, "details").find(lab.pfNetdev()) != std::string::npos);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK_FALSE(linkExistsIn(pod.path(), "net1"));
    CHECK(lab.attachmentFiles().empty());
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
}

TEST_CASE("bad link_state is an invalid config") {
    PluginLab lab;
    ScopedNetns pod;
    auto r = lab.run("ADD", "cid-ls", pod.path(), netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","link_state":"up")", ""));
    REQUIRE(r.json);
    CHECK((*r.json)["code"].GetUint() == 7);
}

TEST_CASE("link_state is applied through the PF, and the original comes back on DEL and on a failed ADD") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    InProcessNode node(lab);
    const int pf = ifindexOf(lab.pfNetdev());
    linux::VfSettings initial;
    initial.vfIndex = 0;
    initial.linkState = linux::VfLinkState::Disable;
    node.recorder.addVf(pf, initial);
    const std::string vf = "pf=" + std::to_string(pf) + " vf=0";

    SUBCASE("ADD then DEL") {
        const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","link_state":"enable")", bundledIpam());
        auto add = node.request(cni::Command::Add, pod.path(), conf);
        const auto cfg = plugin::PluginConfig::parse(add.conf);
        plugin::attach(add, cfg, node.ctx);
        // The original state is read before it is changed.
        CHECK(node.recorder.callStrings() == std::vector<std::string>{"get " + vf, "setLinkState " + vf + " enable"});
        CHECK(node.recorder.get(pf, 0).linkState == linux::VfLinkState::Enable);
        CHECK(linkExistsIn(pod.path(), "net1"));

        auto del = node.request(cni::Command::Del, pod.path(), conf);
        plugin::detach(del, cfg, node.ctx);
        // (The get after the first setLinkState is the test's own read.)
        CHECK(node.recorder.callStrings() ==
              std::vector<std::string>{"get " + vf, "setLinkState " + vf + " enable", "get " + vf, "setLinkState " + vf + " disable"});
        CHECK(node.recorder.get(pf, 0).linkState == linux::VfLinkState::Disable);
        CHECK(linkExistsIn("", lab.vfNetdev(0)));
        CHECK(lab.attachmentFiles().empty());
    }
    SUBCASE("a later step fails: the link state is rolled back with everything else") {
        const std::string ipam = R"({"type":"ibvf-ipam","ranges":[[{"subnet":"10.61.0.0/24"}]],)"
                                 R"("routes":[{"dst":"10.99.0.0/16","gw":"192.0.2.77"}]})";
        const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","link_state":"enable")", ipam);
        auto add = node.request(cni::Command::Add, pod.path(), conf);
        const auto cfg = plugin::PluginConfig::parse(add.conf);
        const auto host = HostSnapshot::capture();
        CHECK_THROWS(plugin::attach(add, cfg, node.ctx));
        CHECK(node.recorder.callStrings() ==
              std::vector<std::string>{"get " + vf, "setLinkState " + vf + " enable", "setLinkState " + vf + " disable"});
        CHECK(node.recorder.get(pf, 0).linkState == linux::VfLinkState::Disable);
        const auto after = HostSnapshot::capture();
        CHECK_MESSAGE(host == after, host.diff(after));
        CHECK(lab.attachmentFiles().empty());
        CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
    }
    SUBCASE("the PF refuses: code 104, nothing else happened") {
        node.recorder.failOperation("setLinkState", EOPNOTSUPP);
        const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","link_state":"enable")", "");
        const auto error = node.attachError(node.request(cni::Command::Add, pod.path(), conf));
        REQUIRE(error);
        CHECK(error->code() == cni::ErrorCode::HardwareUnsupported);
        CHECK(node.recorder.callStrings() == std::vector<std::string>{"get " + vf, "setLinkState " + vf + " enable -> errno 95"});
        node.recorder.clearFailures();
        CHECK(node.recorder.get(pf, 0).linkState == linux::VfLinkState::Disable);
        CHECK(linkExistsIn("", lab.vfNetdev(0)));
        CHECK(lab.attachmentFiles().empty());
    }
}

TEST_CASE("arp_notify and ndisc_notify are on for the pod's interface") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    REQUIRE(lab.run("ADD", "cid-arp", pod.path(), conf).exitCode == 0);
    auto ns = pod.open();
    linux::runInNetNs(ns, [] {
        CHECK(linux::readProcSys("net/ipv4/conf/net1/arp_notify").substr(0, 1) == "1");
        CHECK(linux::readProcSys("net/ipv6/conf/net1/ndisc_notify").substr(0, 1) == "1");
    });
    CHECK(lab.run("DEL", "cid-arp", pod.path(), conf).exitCode == 0);
}
