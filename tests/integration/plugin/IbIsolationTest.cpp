// rdmaIsolation, pkey partitions and IPoIB children, vfioPciMode and the device-info file, run in-process against the
// real kernel for every netdev step, with recording fakes where InfiniBand hardware would answer
// (RDMA netlink, IPoIB links, VF settings on the PF).
#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "InProcessNode.hpp"
#include "PluginLab.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "linux/AtomicFile.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Check.hpp"
#include "plugin/Detach.hpp"
#include "plugin/PluginConfig.hpp"
#include "support/RecordingRdmaNetns.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

// A failing route (gateway off-link) makes the last ADD step fail after everything else is done.
const std::string kFailingIpam = R"({"type":"ibvf-ipam","ranges":[[{"subnet":"10.62.0.0/24"}]],)"
                                 R"("routes":[{"dst":"10.99.0.0/16","gw":"192.0.2.77"}]})";

struct IbLab {
    PluginLab lab;
    ScopedNetns pod;
    InProcessNode node{lab};
    HostSnapshot before = HostSnapshot::capture();
    IbLab() {
        lab.veth(0).alsoSearch(pod.path());
        node.rdma.addDevice("mlx5_1", 1);  // the RDMA device the fake sysfs gives VF 0
    }
    std::string conf(const std::string& extra, const std::string& ipam = bundledIpam()) const {
        return netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"" + extra, ipam);
    }
    cni::Result add(const std::string& text) {
        auto req = node.request(cni::Command::Add, pod.path(), text);
        return plugin::attach(req, plugin::PluginConfig::parse(req.conf), node.ctx);
    }
    void del(const std::string& text, const std::string& netns) {
        auto req = node.request(cni::Command::Del, netns, text);
        plugin::detach(req, plugin::PluginConfig::parse(req.conf), node.ctx);
    }
    void check(const std::string& text) {
        auto req = node.request(cni::Command::Check, pod.path(), text);
        plugin::check(req, plugin::PluginConfig::parse(req.conf), node.ctx);
    }
    // An ADD that fails in the kernel (a KernelError, which the binary turns into code 100).
    bool addFails(const std::string& text) {
        try {
            add(text);
        } catch (const std::exception&) {
            return true;
        }
        return false;
    }
    std::optional<cni::Error> addError(const std::string& text) {
        return node.attachError(node.request(cni::Command::Add, pod.path(), text));
    }
    std::string podNetns() const { return RecordingRdmaNetns::netnsIdOfFd(linux::NetNs::open(pod.path()).fd()); }
    // Host links, addresses and routes as before the ADD; nothing of ours left in the pod.
    void requireHostUnchanged() const {
        const auto after = HostSnapshot::capture();
        CHECK_MESSAGE(before == after, before.diff(after));
        CHECK_FALSE(linkExistsIn(pod.path(), "net1"));
        CHECK_FALSE(linkExistsIn(pod.path(), "net1-vf"));
        CHECK(lab.attachmentFiles().empty());
    }
};

}  // namespace

TEST_CASE("rdmaIsolation: the RDMA device goes into the pod before the netdev and comes back on DEL") {
    IbLab t;
    const auto text = t.conf(R"(,"rdmaIsolation":true)");
    t.add(text);
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.podNetns());
    CHECK(linkExistsIn(t.pod.path(), "net1"));
    const auto calls = t.node.rdma.callStrings();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0] == "netnsMode");
    CHECK(calls[1] == "moveToNetns mlx5_1 -> " + t.podNetns());
    t.check(text);

    t.del(text, t.pod.path());
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.node.rdma.initialNetns());
    // DEL finds the device from inside the pod and moves it home.
    CHECK(t.node.rdma.callStrings() == std::vector<std::string>{"netnsMode", "moveToNetns mlx5_1 -> " + t.podNetns(), "deviceIndex mlx5_1",
                                                                "moveToNetns mlx5_1 -> " + t.node.rdma.initialNetns()});
    t.requireHostUnchanged();
    // A second DEL finds nothing to do.
    const auto callsAfterDel = t.node.rdma.calls().size();
    t.del(text, t.pod.path());
    CHECK(t.node.rdma.calls().size() == callsAfterDel);
}

TEST_CASE("rdmaIsolation in shared mode is refused with the fix, before anything changes") {
    IbLab t;
    t.node.rdma.setMode(linux::RdmaNetnsMode::Shared);
    auto err = t.addError(t.conf(R"(,"rdmaIsolation":true)"));
    REQUIRE(err);
    CHECK(static_cast<int>(err->code()) == 100);
    CHECK(std::string(err->what()).find("exclusive") != std::string::npos);
    CHECK(err->details().find("rdma system set netns exclusive") != std::string::npos);
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.node.rdma.initialNetns());
    t.requireHostUnchanged();
}

TEST_CASE("rdmaIsolation: a VF without an RDMA device is a clear error") {
    IbLab t;
    std::filesystem::remove_all(linux::Sysfs(t.lab.sysfs().root()).pciDeviceDir(vfPci(0)) / "infiniband");
    auto err = t.addError(t.conf(R"(,"rdmaIsolation":true)"));
    REQUIRE(err);
    CHECK(static_cast<int>(err->code()) == 101);
    CHECK(std::string(err->what()).find("has no RDMA device") != std::string::npos);
    t.requireHostUnchanged();
}

TEST_CASE("rdmaIsolation: the kernel refusing the move leaves everything as it was") {
    IbLab t;
    t.node.rdma.failOperation("moveToNetns", EPERM, 1);
    auto err = t.addError(t.conf(R"(,"rdmaIsolation":true)"));
    REQUIRE(err);
    CHECK(static_cast<int>(err->code()) == 100);
    CHECK(std::string(err->what()).find("cannot move RDMA device mlx5_1") != std::string::npos);
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.node.rdma.initialNetns());
    t.requireHostUnchanged();
}

// Found in the kernel lab: stock rxe (like every driver without disassociate_ucontext) gets
// EOPNOTSUPP from ib_core for the move, which is the driver's limitation, not a node failure.
TEST_CASE("rdmaIsolation: a driver that cannot change namespace is code 104 naming the limitation") {
    IbLab t;
    t.node.rdma.failOperation("moveToNetns", EOPNOTSUPP, 1);
    auto err = t.addError(t.conf(R"(,"rdmaIsolation":true)"));
    REQUIRE(err);
    CHECK(err->code() == cni::ErrorCode::HardwareUnsupported);
    CHECK(err->msg() == "rdmaIsolation: the driver of RDMA device mlx5_1 cannot change network namespace");
    CHECK(err->details().find("disassociate_ucontext") != std::string::npos);
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.node.rdma.initialNetns());
    t.requireHostUnchanged();
}

TEST_CASE("rdmaIsolation: a failure after the move brings the RDMA device and the netdev back") {
    IbLab t;
    REQUIRE(t.addFails(t.conf(R"(,"rdmaIsolation":true)", kFailingIpam)));
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.node.rdma.initialNetns());
    const auto calls = t.node.rdma.callStrings();
    REQUIRE(calls.size() == 3);
    CHECK(calls[2] == "moveToNetns mlx5_1 -> " + t.node.rdma.initialNetns());
    t.requireHostUnchanged();
    CHECK(countEntries(t.lab.leasesDir("ibnet") / "leases") == 0);
}

TEST_CASE("rdmaIsolation: DEL with an empty CNI_NETNS still returns the RDMA device") {
    IbLab t;
    const auto text = t.conf(R"(,"rdmaIsolation":true)");
    t.add(text);
    t.del(text, "");
    CHECK(t.node.rdma.netnsOf("mlx5_1") == t.node.rdma.initialNetns());
    t.requireHostUnchanged();
}

TEST_CASE("CNIDeviceInfoFile: the RDMA device is published where Multus reads it, and only there") {
    IbLab t;
    const auto dir = t.node.ctx.paths.deviceInfo;
    const auto file = dir / "ibnet-cid-inproc-net1-device.json";
    SUBCASE("merged into what Multus copied from the device plugin") {
        linux::makeDirectories(dir, 0755);
        std::ofstream(file) << R"({"type":"pci","version":"1.1.0","pci":{"pci-address":")" << vfPci(0) << R"(","extra":"kept"}})";
        const auto text = t.conf(R"(,"rdmaIsolation":true,"runtimeConfig":{"CNIDeviceInfoFile":")" + file.string() + "\"}");
        t.add(text);
        rapidjson::Document doc;
        const auto content = linux::readFile(file);
        REQUIRE(content);
        doc.Parse(content->c_str());
        REQUIRE(doc.IsObject());
        CHECK(jsonString(doc["pci"], "rdma-device") == "mlx5_1");
        CHECK(jsonString(doc["pci"], "pf-pci-address") == PluginLab::kPf);
        CHECK(jsonString(doc["pci"], "extra") == "kept");
        t.del(text, t.pod.path());
    }
    SUBCASE("a failed ADD puts the file back as it was") {
        const auto text = t.conf(R"(,"rdmaIsolation":true,"runtimeConfig":{"CNIDeviceInfoFile":")" + file.string() + "\"}", kFailingIpam);
        CHECK(t.addFails(text));
        CHECK_FALSE(std::filesystem::exists(file));
        t.requireHostUnchanged();
    }
    SUBCASE("a path outside the devinfo directory is refused") {
        for (const std::string& bad :
             {std::string("/etc/ibvf-test-devinfo.json"), (dir / ".." / "x.json").string(), std::string("relative.json")}) {
            auto err = t.addError(t.conf(R"(,"runtimeConfig":{"CNIDeviceInfoFile":")" + bad + "\"}"));
            REQUIRE_MESSAGE(err, bad);
            CHECK(static_cast<int>(err->code()) == 7);
            CHECK_FALSE(std::filesystem::exists("/etc/ibvf-test-devinfo.json"));
        }
        t.requireHostUnchanged();
    }
}

TEST_CASE("ipoibChild: CNI_IFNAME is an IPoIB child of the VF, which stays in the pod as its parent") {
    IbLab t;
    const auto text = t.conf(R"(,"ipoibChild":{"pkey":"0x8001"})");
    const auto result = t.add(text);
    const auto parent = linkIn(t.pod.path(), "net1-vf");
    REQUIRE(parent);
    CHECK(parent->up);
    const auto calls = t.node.ipoib.callStrings();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0] == "createChild net1 parent=" + std::to_string(parent->ifindex) + " pkey=0x8001 mode=datagram umcast=0");
    const auto child = linkIn(t.pod.path(), "net1");
    REQUIRE(child);
    CHECK(child->up);
    const auto addrs = addressesIn(t.pod.path(), "net1");
    REQUIRE(addrs.size() == 1);
    CHECK(addrs[0] == result.ips.at(0).address.toString());
    CHECK(addressesIn(t.pod.path(), "net1-vf").empty());
    REQUIRE(result.interfaces.size() == 1);
    CHECK(result.interfaces[0].name == "net1");
    t.check(text);

    t.del(text, t.pod.path());
    REQUIRE(t.node.ipoib.calls().size() == 2);
    CHECK(t.node.ipoib.callStrings()[1] == "deleteChild " + std::to_string(child->ifindex));
    t.requireHostUnchanged();
    CHECK(countEntries(t.lab.leasesDir("ibnet") / "leases") == 0);
}

TEST_CASE("ipoibChild: CHECK notices a missing child") {
    IbLab t;
    const auto text = t.conf(R"(,"ipoibChild":{"pkey":"0x8001"})");
    t.add(text);
    REQUIRE(deleteLink("net1", t.pod.path()));
    CHECK_THROWS_AS(t.check(text), cni::Error);
    t.del(text, t.pod.path());
    t.requireHostUnchanged();
}

TEST_CASE("ipoibChild: a refused child and a failure after the child both leave the host as it was") {
    IbLab t;
    SUBCASE("no IPoIB support for children") {
        t.node.ipoib.failOperation("createChild", EOPNOTSUPP, 1);
        auto err = t.addError(t.conf(R"(,"ipoibChild":{"pkey":"0x8001"})"));
        REQUIRE(err);
        CHECK(static_cast<int>(err->code()) == 104);
        CHECK(std::string(err->what()) == "cannot create the IPoIB child net1 for pkey 0x8001 on VF " + vfPci(0));
        REQUIRE(t.node.ipoib.calls().size() == 1);
        const std::string parent = std::to_string(t.node.ipoib.calls()[0].spec.parentIfindex);
        CHECK(t.node.ipoib.callStrings() ==
              std::vector<std::string>{"createChild net1 parent=" + parent + " pkey=0x8001 mode=datagram umcast=0 -> errno 95"});
    }
    SUBCASE("a route fails after the child exists") {
        CHECK(t.addFails(t.conf(R"(,"ipoibChild":{"pkey":"0x8001"})", kFailingIpam)));
        REQUIRE(t.node.ipoib.calls().size() == 2);
        // The child made is the child removed.
        const auto& made = t.node.ipoib.calls()[0];
        CHECK(t.node.ipoib.callStrings() == std::vector<std::string>{"createChild net1 parent=" + std::to_string(made.spec.parentIfindex) +
                                                                         " pkey=0x8001 mode=datagram umcast=0",
                                                                     "deleteChild " + std::to_string(made.ifindex)});
        CHECK(countEntries(t.lab.leasesDir("ibnet") / "leases") == 0);
    }
    t.requireHostUnchanged();
}

TEST_CASE("pkey as ib-sriov-cni means it: the VF stays CNI_IFNAME, no child is made, the partition is on record") {
    IbLab t;
    const auto text = t.conf(R"(,"pkey":"0x00FF")");
    const auto result = t.add(text);
    CHECK(t.node.ipoib.calls().empty());
    const auto vf = linkIn(t.pod.path(), "net1");
    REQUIRE(vf);
    CHECK(vf->up);
    CHECK_FALSE(linkExistsIn(t.pod.path(), "net1-vf"));
    REQUIRE(addressesIn(t.pod.path(), "net1").size() == 1);
    REQUIRE(result.interfaces.size() == 1);
    CHECK(result.interfaces[0].name == "net1");
    const auto state = t.node.ctx.store.load("cid-inproc", "net1");
    REQUIRE(state);
    CHECK(state->partition == "0x00ff");
    CHECK_FALSE(state->pkey);
    t.check(text);
    t.del(text, t.pod.path());
    CHECK(t.node.ipoib.calls().empty());
    t.requireHostUnchanged();
}

TEST_CASE("vfioPciMode: a VM's VF gets its GUID through the PF and no netdev steps") {
    PluginLab lab(0);
    lab.sysfs().addVf(PluginLab::kPf, 0, vfPci(0), FakeVfOptions().withDriver("vfio-pci"));
    ScopedNetns pod;
    InProcessNode node(lab);
    const int pf = ifindexOf(lab.pfNetdev());
    linux::VfSettings initial;
    initial.vfIndex = 0;
    initial.nodeGuid = 0x0011223344556677ULL;
    initial.portGuid = 0x0011223344556677ULL;
    node.recorder.addVf(pf, initial);
    const auto before = HostSnapshot::capture();
    const auto text =
        netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","vfioPciMode":true,"guid":"02:00:00:00:00:00:00:07","link_state":"enable")",
                bundledIpam());
    auto add = node.request(cni::Command::Add, pod.path(), text);
    const auto cfg = plugin::PluginConfig::parse(add.conf);
    const auto result = plugin::attach(add, cfg, node.ctx);
    CHECK(node.recorder.get(pf, 0).portGuid == 0x0200000000000007ULL);
    CHECK(node.recorder.get(pf, 0).linkState == linux::VfLinkState::Enable);
    CHECK(lab.sysfs().readDriverFile("vfio-pci", "unbind") == vfPci(0));
    REQUIRE(result.interfaces.size() == 1);
    CHECK(result.interfaces[0].pciId == vfPci(0));
    CHECK(result.interfaces[0].mac.empty());
    CHECK(result.ips.empty());
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
    plugin::check(node.request(cni::Command::Check, pod.path(), text), cfg, node.ctx);

    plugin::detach(node.request(cni::Command::Del, pod.path(), text), cfg, node.ctx);
    CHECK(node.recorder.get(pf, 0).portGuid == 0x0011223344556677ULL);
    CHECK(lab.attachmentFiles().empty());
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(before == after, before.diff(after));
}

TEST_CASE("vfioPciMode on a VF that is not bound to vfio-pci is refused") {
    IbLab t;
    auto err = t.addError(t.conf(R"(,"vfioPciMode":true)"));
    REQUIRE(err);
    CHECK(static_cast<int>(err->code()) == 7);
    CHECK(std::string(err->what()).find("not vfio-pci") != std::string::npos);
    t.requireHostUnchanged();
}

TEST_CASE("the real kernel without InfiniBand: rdmaIsolation and ipoibChild fail clearly and change nothing") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto before = HostSnapshot::capture();
    for (const std::string& extra : {std::string(R"(,"rdmaIsolation":true)"), std::string(R"(,"ipoibChild":{"pkey":"0x8001"})")}) {
        const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"" + extra, bundledIpam());
        auto r = lab.run("ADD", "cid-realib", pod.path(), conf);
        REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
        REQUIRE(r.json);
        const auto code = (*r.json)["code"].GetUint();
        CHECK_MESSAGE((code == 100 || code == 104), r.summary());
        const auto msg = jsonString(*r.json, "msg");
        CHECK_MESSAGE((msg.find("rdmaIsolation") != std::string::npos || msg.find("pkey 0x8001") != std::string::npos), r.summary());
        CHECK_FALSE(linkExistsIn(pod.path(), "net1"));
        CHECK_FALSE(linkExistsIn(pod.path(), "net1-vf"));
        CHECK(lab.attachmentFiles().empty());
        CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
    }
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(before == after, before.diff(after));
}

TEST_CASE("ibKubernetesEnabled before ib-kubernetes is done: ADD says try again later, DEL still succeeds") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto before = HostSnapshot::capture();
    const auto conf = netconf("0.3.1", R"(,"deviceID":")" + vfPci(0) + R"(","ibKubernetesEnabled":true)", bundledIpam());
    auto add = lab.run("ADD", "cid-ibk8s", pod.path(), conf);
    REQUIRE(add.json);
    CHECK((*add.json)["code"].GetUint() == 11);
    CHECK(jsonString(*add.json, "msg").find("ib-kubernetes") != std::string::npos);
    auto del = lab.run("DEL", "cid-ibk8s", pod.path(), conf);
    CHECK_MESSAGE(del.exitCode == 0, del.summary());
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(before == after, before.diff(after));
    CHECK(lab.attachmentFiles().empty());
}
