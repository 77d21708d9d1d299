// VF link state and GUIDs through a real PF driver: a netdevsim PF with four VFs is the PF netdev
// in the fake sysfs and the VF is its VF 2. What the kernel holds is read back from its own VF
// list (`ip -d -j link show`), so a request the kernel reads differently from ibvf shows here.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "HardwareNode.hpp"
#include "LabKernel.hpp"
#include "support/TestNet.hpp"

using namespace ibvf;
using namespace ibvf::labtest;
using test::HostSnapshot;
using test::ScopedNetns;
using test::VethPair;

namespace {

constexpr unsigned kVfIndex = 2;
const std::string kZero = "00:00:00:00:00:00:00:00";
const std::string kWanted = "02:11:22:33:44:55:66:77";
const std::string kNode = "00:02:c9:03:00:00:11:11";
const std::string kPort = "00:02:c9:03:00:00:22:22";

// "vf=0 state=auto node=.. port=.." lines for every VF, to prove the others were left alone.
std::vector<std::string> vfLines(const std::string& pf) {
    std::vector<std::string> lines;
    for (const auto& v : kernelVfList(pf))
        lines.push_back("vf=" + std::to_string(v.vf) + " state=" + v.linkState + " node=" + v.nodeGuid.value_or("-") +
                        " port=" + v.portGuid.value_or("-"));
    return lines;
}

struct PfLab {
    NetdevsimPf pf;
    VethPair vf;
    HardwareNode node;
    ScopedNetns pod;
    explicit PfLab(bool ibPf) : pf(ibPf, 4), node(pf.netdev(), kVfIndex, test::FakeVfOptions().withNetdev(vf.a())) {
        vf.alsoSearch(pod.path());
        // Neighbours with settings of their own: a request aimed at the wrong VF changes them.
        mustRun("ip", {"link", "set", pf.netdev(), "vf", "1", "state", "enable"});
        mustRun("ip", {"link", "set", pf.netdev(), "vf", "3", "state", "disable"});
    }
    void setGuids(unsigned vfIndex, const std::string& nodeGuid, const std::string& portGuid) {
        const std::string index = std::to_string(vfIndex);
        mustRun("ip", {"link", "set", pf.netdev(), "vf", index, "node_guid", nodeGuid});
        mustRun("ip", {"link", "set", pf.netdev(), "vf", index, "port_guid", portGuid});
    }
};

std::string guidConf(const std::string& guid, bool failingRoute = false) { return labConf(R"(,"guid":")" + guid + "\"", failingRoute); }

// ADD sets kWanted on VF 2 only (read back from the kernel), DEL puts `before` back, and an ADD
// that fails after the GUID (at its routes) leaves `before` and the host as they were.
void guidRound(PfLab& lab, const std::vector<std::string>& before, const std::string& cid) {
    const auto r = lab.node.run("ADD", cid, lab.pod.path(), guidConf(kWanted));
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    auto expected = before;
    expected[kVfIndex] = "vf=2 state=auto node=" + kWanted + " port=" + kWanted;
    CHECK(vfLines(lab.pf.netdev()) == expected);
    const auto d = lab.node.run("DEL", cid, lab.pod.path(), guidConf(kWanted));
    REQUIRE_MESSAGE(d.exitCode == 0, d.summary());
    CHECK(vfLines(lab.pf.netdev()) == before);
    CHECK(lab.node.leftovers().empty());

    const auto host = HostSnapshot::capture();
    const auto f = lab.node.run("ADD", cid + "-fail", lab.pod.path(), guidConf(kWanted, true));
    REQUIRE_MESSAGE(f.exitCode != 0, f.summary());
    CHECK_MESSAGE(field(f, "msg").find("route") != std::string::npos, f.summary());
    CHECK(vfLines(lab.pf.netdev()) == before);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.node.leftovers().empty());
}

}  // namespace

TEST_CASE("link_state through netdevsim: applied to the right VF, restored on DEL and on a failed ADD") {
    PfLab lab(false);
    mustRun("ip", {"link", "set", lab.pf.netdev(), "vf", "2", "state", "disable"});
    const auto before = vfLines(lab.pf.netdev());
    const auto conf = labConf(R"(,"link_state":"enable")");

    const auto r = lab.node.run("ADD", "cid-ls", lab.pod.path(), conf);
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    auto expected = before;
    expected[kVfIndex] = "vf=2 state=enable node=- port=-";
    CHECK(vfLines(lab.pf.netdev()) == expected);
    const auto d = lab.node.run("DEL", "cid-ls", lab.pod.path(), conf);
    REQUIRE_MESSAGE(d.exitCode == 0, d.summary());
    CHECK(vfLines(lab.pf.netdev()) == before);
    CHECK(lab.node.leftovers().empty());

    const auto host = HostSnapshot::capture();
    const auto f = lab.node.run("ADD", "cid-ls-fail", lab.pod.path(), labConf(R"(,"link_state":"auto")", true));
    REQUIRE_MESSAGE(f.exitCode != 0, f.summary());
    CHECK(vfLines(lab.pf.netdev()) == before);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.node.leftovers().empty());
}

TEST_CASE("GUID through an InfiniBand PF (netdevsim ib_pf=1): set, read back by the kernel, restored on DEL and after a later failure") {
    PfLab lab(true);
    lab.setGuids(kVfIndex, kNode, kPort);
    lab.setGuids(1, "00:00:00:00:00:00:01:01", "00:00:00:00:00:00:01:02");
    const auto before = vfLines(lab.pf.netdev());
    REQUIRE(before[kVfIndex] == "vf=2 state=auto node=" + kNode + " port=" + kPort);
    guidRound(lab, before, "cid-guid");
}

TEST_CASE("GUID on a VF whose GUIDs are zero (fresh VFs, ib_pf=1): set, then put back to zero on DEL and after a later failure") {
    PfLab lab(true);
    const auto before = vfLines(lab.pf.netdev());
    REQUIRE(before[kVfIndex] == "vf=2 state=auto node=" + kZero + " port=" + kZero);
    guidRound(lab, before, "cid-zero");
}

TEST_CASE("GUID through a stock PF driver (no VF GUIDs): the kernel's refusal is a clear code 104, everything as before") {
    PfLab lab(false);
    const auto before = vfLines(lab.pf.netdev());
    const auto host = HostSnapshot::capture();
    const auto podBefore = HostSnapshot::capture(lab.pod.path());
    const auto r = lab.node.run("ADD", "cid-stock", lab.pod.path(), labConf(R"(,"guid":")" + kWanted + R"(","link_state":"enable")"));
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    CHECK_MESSAGE(codeOf(r) == 104, r.summary());
    // The PF reports no GUIDs, so none could be restored: refused before any request (the
    // kernel's own EOPNOTSUPP for the set itself is judged by the byte oracle).
    CHECK_MESSAGE(field(r, "msg").find("GUID") != std::string::npos, r.summary());
    CHECK_MESSAGE(field(r, "msg").find(HardwareNode::kVf) != std::string::npos, r.summary());
    CHECK(vfLines(lab.pf.netdev()) == before);
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(podBefore == HostSnapshot::capture(lab.pod.path()));
    CHECK(lab.node.leftovers().empty());
}
