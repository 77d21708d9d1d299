// ib-sriov-cni networks as their users write them (ib-sriov-cni's README, ib-kubernetes, the
// sriov-network-operator's rendered SriovIBNetwork), with only "type" changed to "ibvf", delivered
// as Multus delivers them (deviceID of the allocated VF, runtimeConfig.infinibandGUID from the
// pod's annotation, args.cni from ib-kubernetes). Each one goes to the real `ibvf` binary on a
// stand-in VF: it must never be refused as a config, and what a veth cannot do (VF GUIDs through
// the PF, moving an RDMA device) must fail at that step with the host unchanged. Then the same
// delivery runs in-process with the recording PF driver and RDMA netlink, where it must attach
// the VF itself as CNI_IFNAME (no child, no rename), give and restore the GUID, and record pkey.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "InProcessNode.hpp"
#include "PluginLab.hpp"
#include "cni/Error.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Check.hpp"
#include "plugin/Detach.hpp"
#include "plugin/PluginConfig.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

constexpr const char* kGuid = "02:00:00:00:00:00:07:01";
constexpr std::uint64_t kGuidValue = 0x0200000000000701ULL;

struct Network {
    const char* what;
    const char* json;  // as written for ib-sriov-cni; @DATADIR@ keeps host-local inside the lab
    // The first step a veth PF cannot do, as the binary's error names it; nullptr: none.
    const char* refusedAt;
    bool rdmaMove;
    bool guid;                                         // Multus/ib-kubernetes hand over kGuid
    const char* partition;                             // the pkey recorded, or nullptr
    std::map<std::string, std::string> runtimeConfig;  // what Multus adds
    std::map<std::string, std::string> argsCni;        // what ib-kubernetes puts in the pod's annotation
};

const std::vector<Network>& networks() {
    static const std::vector<Network> list = {
        {"ib-sriov-cni README: the minimal network",
         R"({
            "cniVersion": "0.3.1", "name": "mynet", "type": "ib-sriov",
            "ipam": {"type": "host-local", "dataDir": "@DATADIR@", "subnet": "10.56.217.0/24",
                     "rangeStart": "10.56.217.171", "rangeEnd": "10.56.217.181",
                     "routes": [{"dst": "0.0.0.0/0"}], "gateway": "10.56.217.1"}})",
         nullptr,
         false,
         false,
         nullptr,
         {},
         {}},
        {"ib-sriov-cni README: pkey, link_state, rdmaIsolation, no ib-kubernetes",
         R"({
            "cniVersion": "0.3.1", "name": "ib-sriov-network", "type": "ib-sriov", "pkey": "0x6",
            "link_state": "enable", "rdmaIsolation": true, "ibKubernetesEnabled": false,
            "ipam": {"type": "host-local", "dataDir": "@DATADIR@", "subnet": "10.56.217.0/24",
                     "routes": [{"dst": "0.0.0.0/0"}], "gateway": "10.56.217.1"}})",
         "link state of VF",
         true,
         false,
         "0x0006",
         {},
         {}},
        {"ib-kubernetes: the GUID and the configured mark in args.cni",
         R"({
            "cniVersion": "0.3.1", "name": "ib-sriov-network", "type": "ib-sriov", "pkey": "0x6",
            "link_state": "enable", "ibKubernetesEnabled": true,
            "ipam": {"type": "host-local", "dataDir": "@DATADIR@", "subnet": "10.56.218.0/24",
                     "routes": [{"dst": "0.0.0.0/0"}], "gateway": "10.56.218.1"}})",
         "GUID of VF",
         false,
         true,
         "0x0006",
         {},
         {{"guid", kGuid}, {"mellanox.infiniband.app", "configured"}}},
        {"sriov-network-operator SriovIBNetwork: no IPAM, GUID from the pod through runtimeConfig",
         R"({
            "cniVersion": "1.0.0", "name": "ib-net-operator", "type": "ib-sriov",
            "capabilities": {"infinibandGUID": true}, "link_state": "enable", "logLevel": "info",
            "ipam": {}})",
         "GUID of VF",
         false,
         true,
         nullptr,
         {{"infinibandGUID", kGuid}},
         {}},
        {"sriov-network-operator SriovIBNetwork: IPAM, no link state, no GUID annotation",
         R"({
            "cniVersion": "1.0.0", "name": "ib-net-operator-ipam", "type": "ib-sriov",
            "capabilities": {"infinibandGUID": true}, "logLevel": "info",
            "ipam": {"type": "host-local", "dataDir": "@DATADIR@", "subnet": "10.56.219.0/24"}})",
         nullptr,
         false,
         false,
         nullptr,
         {},
         {}},
        {"templates that render unset fields as empty strings",
         R"({
            "cniVersion": "0.3.1", "name": "ib-net-empty", "type": "ib-sriov", "pkey": "", "guid": "",
            "link_state": "", "kubeconfig": "", "ipam": {}})",
         nullptr,
         false,
         false,
         nullptr,
         {{"infinibandGUID", ""}},
         {{"guid", ""}}},
    };
    return list;
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

// The network with only "type" changed, as Multus hands it to the plugin.
std::string delivered(const Network& n, const PluginLab& lab) {
    std::string text = replaceAll(n.json, R"("type": "ib-sriov")", R"("type": "ibvf")");
    text = replaceAll(text, "@DATADIR@", lab.hostLocalDir().string());
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    REQUIRE_MESSAGE(!doc.HasParseError(), text);
    auto& a = doc.GetAllocator();
    doc.AddMember("deviceID", rapidjson::Value(vfPci(0).c_str(), a), a);
    auto object = [&](const std::map<std::string, std::string>& kv) {
        rapidjson::Value o(rapidjson::kObjectType);
        for (const auto& [k, v] : kv) o.AddMember(rapidjson::Value(k.c_str(), a), rapidjson::Value(v.c_str(), a), a);
        return o;
    };
    if (!n.runtimeConfig.empty()) doc.AddMember("runtimeConfig", object(n.runtimeConfig), a);
    if (!n.argsCni.empty()) {
        rapidjson::Value args(rapidjson::kObjectType);
        args.AddMember("cni", object(n.argsCni), a);
        doc.AddMember("args", args, a);
    }
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    doc.Accept(w);
    return out.GetString();
}

std::string hwaddrOf(const std::string& netnsPath, const std::string& name) {
    auto ns = netnsPath.empty() ? linux::NetNs::current() : linux::NetNs::open(netnsPath);
    return linux::runInNetNs(ns, [&] {
        linux::RouteSocket rs;
        auto link = rs.linkByName(name);
        return link ? linux::formatHwaddr(link->hwaddr) : std::string();
    });
}

}  // namespace

TEST_CASE("ib-sriov-cni networks with only type changed: the real binary takes each as written") {
    for (const auto& n : networks()) {
        CAPTURE(n.what);
        PluginLab lab;
        ScopedNetns pod;
        lab.veth(0).alsoSearch(pod.path());
        const auto vfHwaddr = hwaddrOf("", lab.vfNetdev(0));
        const auto text = delivered(n, lab);
        CAPTURE(text);
        const auto before = HostSnapshot::capture();
        auto add = lab.run("ADD", "cid-compat", pod.path(), text);
        if (n.refusedAt == nullptr) {
            REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
            // The pod's layout is ib-sriov-cni's: the VF itself is CNI_IFNAME, nothing else.
            CHECK(hwaddrOf(pod.path(), "net1") == vfHwaddr);
            CHECK_FALSE(linkExistsIn(pod.path(), "net1-vf"));
            REQUIRE(add.json);
            const auto& ifaces = (*add.json)["interfaces"];
            REQUIRE(ifaces.Size() == 1);
            CHECK(std::string(ifaces[0]["name"].GetString()) == "net1");
            const bool withIpam = text.find(R"("type":"host-local")") != std::string::npos;
            CHECK(addressesIn(pod.path(), "net1").size() == (withIpam ? 1U : 0U));
            if (text.find(R"("cniVersion":"0.3.1")") == std::string::npos) {  // CHECK came with 0.4.0
                auto check = lab.run("CHECK", "cid-compat", pod.path(), text);
                CHECK_MESSAGE(check.exitCode == 0, check.summary());
            }
        } else {
            // Refused where the veth falls short, never as a config, and nothing left behind.
            REQUIRE_MESSAGE(add.exitCode != 0, add.summary());
            REQUIRE(add.json);
            const auto code = (*add.json)["code"].GetUint();
            const auto msg = jsonString(*add.json, "msg");
            CHECK_MESSAGE(code >= 100, add.summary());
            CHECK_MESSAGE(msg.find(n.refusedAt) != std::string::npos, add.summary());
            CHECK_FALSE(linkExistsIn(pod.path(), "net1"));
        }
        auto del = lab.run("DEL", "cid-compat", pod.path(), text);
        CHECK_MESSAGE(del.exitCode == 0, del.summary());
        const auto after = HostSnapshot::capture();
        CHECK_MESSAGE(before == after, before.diff(after));
        CHECK(lab.attachmentFiles().empty());
        for (const char* key : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"}) ::unsetenv(key);
    }
}

TEST_CASE("ib-sriov-cni networks with only type changed: with the PF driver and RDMA netlink, each attaches as ib-sriov-cni would") {
    for (const auto& n : networks()) {
        CAPTURE(n.what);
        PluginLab lab;
        ScopedNetns pod;
        InProcessNode node(lab);
        lab.veth(0).alsoSearch(pod.path());
        node.rdma.addDevice("mlx5_1", 1);
        const int pf = ifindexOf(lab.pfNetdev());
        linux::VfSettings fresh;  // a freshly created VF: zero GUIDs
        fresh.nodeGuid = 0;
        fresh.portGuid = 0;
        node.recorder.addVf(pf, fresh);
        const auto vfHwaddr = hwaddrOf("", lab.vfNetdev(0));
        const auto text = delivered(n, lab);
        CAPTURE(text);
        const auto before = HostSnapshot::capture();

        // An exec'd IPAM gets the runtime's environment, which in-process is this test's.
        for (const auto& [key, value] : std::map<std::string, std::string>{
                 {"CNI_CONTAINERID", "cid-inproc"}, {"CNI_NETNS", pod.path()}, {"CNI_IFNAME", "net1"}, {"CNI_PATH", "/usr/lib/cni"}}) {
            ::setenv(key.c_str(), value.c_str(), 1);
        }
        auto add = node.request(cni::Command::Add, pod.path(), text);
        add.env.path = {"/usr/lib/cni"};
        const auto cfg = plugin::PluginConfig::parse(add.conf);
        plugin::requireIbKubernetesHandover(add.conf, cfg);
        const auto result = plugin::attach(add, cfg, node.ctx);
        REQUIRE(result.interfaces.size() == 1);
        CHECK(result.interfaces[0].name == "net1");
        CHECK(hwaddrOf(pod.path(), "net1") == vfHwaddr);
        CHECK_FALSE(linkExistsIn(pod.path(), "net1-vf"));
        CHECK(node.ipoib.calls().empty());
        const auto state = node.ctx.store.load("cid-inproc", "net1");
        REQUIRE(state);
        CHECK(state->partition == (n.partition ? std::optional<std::string>(n.partition) : std::nullopt));
        const auto now = node.recorder.settings(pf, 0);
        REQUIRE(now);
        CHECK(now->portGuid == (n.guid ? kGuidValue : 0));
        CHECK(now->nodeGuid == (n.guid ? kGuidValue : 0));
        const auto podId = RecordingRdmaNetns::netnsIdOfFd(linux::NetNs::open(pod.path()).fd());
        CHECK((node.rdma.netnsOf("mlx5_1") == podId) == n.rdmaMove);
        if (text.find(R"("cniVersion":"0.3.1")") == std::string::npos) {  // CHECK came with 0.4.0
            auto check = node.request(cni::Command::Check, pod.path(), text);
            check.env.path = add.env.path;
            plugin::check(check, cfg, node.ctx);
        }

        auto del = node.request(cni::Command::Del, pod.path(), text);
        del.env.path = add.env.path;
        plugin::detach(del, cfg, node.ctx);
        CHECK(node.recorder.settings(pf, 0)->portGuid == 0);
        CHECK(node.recorder.settings(pf, 0)->nodeGuid == 0);
        const auto after = HostSnapshot::capture();
        CHECK_MESSAGE(before == after, before.diff(after));
        CHECK(lab.attachmentFiles().empty());
        for (const char* key : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"}) ::unsetenv(key);
    }
}
