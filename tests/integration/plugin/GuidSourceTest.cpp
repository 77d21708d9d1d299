// guidSource "pf" and "file" on stand-in VFs: two simulated nodes with identical PCI layouts (a
// fake sysfs tree each, veth netdevs, the PF's driver a recording fake) get distinct GUIDs with
// no per-node configuration, the same again after a re-ADD, restored on DEL; and the real binary
// reads the node's GUID file from the node, refusing a bad one with code 7 naming the entry.
#include <doctest/doctest.h>

#include <fstream>

#include "InProcessNode.hpp"
#include "PluginLab.hpp"
#include "cni/Error.hpp"
#include "linux/PfDerivedGuid.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Detach.hpp"
#include "plugin/PluginConfig.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

constexpr std::uint64_t kOriginal = 0x0002c90300001111ULL;

// One node: PF 0000:3b:00.0 (RDMA device mlx5_0) with its hardware GUID, VF 0 as everywhere.
struct Node {
    PluginLab lab;
    ScopedNetns pod;
    InProcessNode node{lab};
    int pf = 0;
    explicit Node(const std::string& pfGuidSysfs) {
        lab.veth(0).alsoSearch(pod.path());
        lab.sysfs().setNodeGuid("mlx5_0", pfGuidSysfs);
        pf = ifindexOf(lab.pfNetdev());
        linux::VfSettings initial;
        initial.vfIndex = 0;
        initial.nodeGuid = kOriginal;
        initial.portGuid = kOriginal;
        node.recorder.addVf(pf, initial);
    }
    std::uint64_t add(const std::string& conf) {
        auto req = node.request(cni::Command::Add, pod.path(), conf);
        plugin::attach(req, plugin::PluginConfig::parse(req.conf), node.ctx);
        return node.recorder.get(pf, 0).portGuid.value_or(0);
    }
    void del(const std::string& conf) {
        auto req = node.request(cni::Command::Del, pod.path(), conf);
        plugin::detach(req, plugin::PluginConfig::parse(req.conf), node.ctx);
    }
};

std::string conf(const std::string& source) {
    return netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","guidSource":")" + source + "\"", bundledIpam());
}

}  // namespace

TEST_CASE("guidSource pf: one network on two nodes with the same PCI layout, distinct GUIDs, stable across re-ADDs") {
    Node a("9803:9b03:0012:3456");
    Node b("9803:9b03:0012:3457");
    const auto ga = a.add(conf("pf"));
    const auto gb = b.add(conf("pf"));
    CHECK(ga != gb);
    CHECK(linux::Guid(ga).str() == "9a:03:9b:00:00:12:34:56");
    CHECK(ga == linux::deriveVfGuid(linux::Guid(0x98039b0300123456ULL), 0).value());
    a.del(conf("pf"));
    CHECK(a.node.recorder.get(a.pf, 0).portGuid == kOriginal);
    CHECK(a.add(conf("pf")) == ga);  // the same VF, the same GUID
    a.del(conf("pf"));
    b.del(conf("pf"));
    CHECK(b.node.recorder.get(b.pf, 0).nodeGuid == kOriginal);
    CHECK(a.lab.attachmentFiles().empty());
}

TEST_CASE("guidSource pf on a PF whose GUID does not fit: code 104, the VF untouched") {
    Node odd("0202:c903:0000:1111");  // locally administered: not a manufactured GUID
    const auto error = odd.node.attachError(odd.node.request(cni::Command::Add, odd.pod.path(), conf("pf")));
    REQUIRE(error);
    CHECK(error->code() == cni::ErrorCode::HardwareUnsupported);
    CHECK(error->msg().find("locally administered") != std::string::npos);
    CHECK(odd.node.recorder.get(odd.pf, 0).portGuid == kOriginal);
    CHECK(odd.lab.attachmentFiles().empty());
    CHECK(linkExistsIn("", odd.lab.vfNetdev(0)));
}

TEST_CASE("guidSource file with the real binary: the node's file is read, a bad entry is code 7 naming it, the host unchanged") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    ScratchDir dir;
    const auto file = dir / "guids";
    ::setenv("IBVF_GUID_FILE", file.c_str(), 1);  // BinaryRunner passes IBVF_* on to the binary
    const auto host = HostSnapshot::capture();

    std::ofstream(file) << R"([{"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:01"],
                                "rangeStart": "02:00:00:00:00:00:01:00", "rangeEnd": "02:00:00:00:00:00:01:ff"}])";
    // A NAD cannot point ibvf at another file: the field does not exist.
    auto r = lab.run("ADD", "cid-file", pod.path(),
                     netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","guidSource":"file","guidFile":"/etc/shadow")", bundledIpam()));
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    REQUIRE(r.json);
    CHECK((*r.json)["code"].GetUint() == 7);
    CHECK(jsonString(*r.json, "msg") ==
          "GUID file " + file.string() + ": entry 0 (pci_address 0000:3b:00.0) gives both a GUID list and a range: keep one");
    CHECK(lab.attachmentFiles().empty());
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);

    // A good file: the GUID it gives reaches the PF's driver (a veth, which refuses any GUID).
    std::ofstream(file) << R"([{"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:01"]}])";
    r = lab.run("ADD", "cid-file", pod.path(), conf("file"));
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    CHECK((*r.json)["code"].GetUint() == 101);
    CHECK(jsonString(*r.json, "msg").find("GUID of VF " + vfPci(0)) != std::string::npos);
    ::unsetenv("IBVF_GUID_FILE");
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.attachmentFiles().empty());
}
