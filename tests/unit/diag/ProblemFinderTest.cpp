// Each problem rule on made-up facts: a healthy node has none, and each fault is reported once,
// with its kind, severity and a fix.
#include <doctest/doctest.h>

#include <algorithm>

#include "diag/ProblemFinder.hpp"

using namespace ibvf::diag;

namespace {

LinkFacts upLink(const std::string& name) { return LinkFacts{name, true, true, 2044, 32, ""}; }

VfFacts healthyVf(unsigned index, const std::string& pci, const std::string& guid) {
    VfFacts vf;
    vf.index = index;
    vf.pciAddress = pci;
    vf.driver = "mlx5_core";
    vf.rdmaDevice = "mlx5_" + std::to_string(index + 1);
    vf.hostNetdevs = {"ib0v" + std::to_string(index)};
    vf.link = upLink("ib0v" + std::to_string(index));
    vf.guid = GuidFacts{guid, "netdev"};
    return vf;
}

PodFacts attachedPod(const std::string& pci) {
    PodFacts p;
    p.containerId = "c0ffee";
    p.ifname = "net1";
    p.network = "ibnet";
    p.netns = "/var/run/netns/cni-1";
    p.phase = "attached";
    p.pciAddress = pci;
    p.ipamType = "ibvf-ipam";
    p.netnsExists = true;
    p.statePath = "/var/lib/cni/ibvf/c0ffee:net1.json";
    return p;
}

NodeReport healthyNode() {
    NodeReport r;
    auto& f = r.facts;
    f.rdma.netnsMode = ibvf::linux::RdmaNetnsMode::Exclusive;
    f.devicePlugin.configPath = "/etc/ibvf/device-plugin.json";
    f.devicePlugin.socketDir = "/var/lib/kubelet/device-plugins";
    DevicePluginResourceFacts res;
    res.name = "rdma/vhca";
    res.socket = "/var/lib/kubelet/device-plugins/ibvf-rdma-vhca.sock";
    res.socketState = "listening";
    f.devicePlugin.resources.push_back(res);
    PfFacts pf;
    pf.netdev = "ib0";
    pf.selectedBy = {"auto"};
    pf.pciAddress = "0000:3b:00.0";
    pf.linkType = 32;
    pf.link = upLink("ib0");
    pf.totalVfs = 8;
    pf.numVfs = 2;
    pf.vfs.push_back(healthyVf(0, "0000:3b:00.2", "02:00:00:00:00:00:00:01"));
    auto inPod = healthyVf(1, "0000:3b:00.3", "02:00:00:00:00:00:00:02");
    inPod.pod = attachedPod("0000:3b:00.3");
    inPod.linkInPod = true;
    inPod.lease = LeaseFacts{"ibnet", "/var/lib/cni/ibvf-ipam/ibnet", {"10.56.0.2"}, std::nullopt};
    inPod.allocation =
        AllocationFacts{"0000:3b:00.3", "rdma/vhca", "2026-01-01T00:00:00Z", "/run/ibvf/allocations/0000:3b:00.3.json", std::nullopt};
    pf.vfs.push_back(inPod);
    f.pfs.push_back(pf);
    return r;
}

std::vector<std::string> kinds(NodeReport r) {
    findProblems(r);
    std::vector<std::string> out;
    for (const auto& p : r.problems) {
        CHECK_MESSAGE(!p.fix.empty(), p.kind);
        CHECK_MESSAGE(!p.message.empty(), p.kind);
        out.push_back(p.kind);
    }
    return out;
}

const Problem& only(NodeReport& r) {
    findProblems(r);
    REQUIRE(r.problems.size() == 1);
    return r.problems.front();
}

VfFacts& vf(NodeReport& r, std::size_t i) { return r.facts.pfs.at(0).vfs.at(i); }

}  // namespace

TEST_CASE("a healthy node has no problems and no notes") {
    auto r = healthyNode();
    findProblems(r);
    CHECK(r.problems.empty());
    CHECK(r.notes.empty());
    CHECK(r.count(Severity::Error) == 0);
}

TEST_CASE("zero and all-ones GUIDs are errors naming the VF, the GUID and how to set one") {
    for (const std::string guid : {"00:00:00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff:ff:ff"}) {
        CAPTURE(guid);
        auto r = healthyNode();
        vf(r, 0).guid = GuidFacts{guid, "pf"};
        const auto& p = only(r);
        CHECK(p.kind == "vf-zero-guid");
        CHECK(p.severity == Severity::Error);
        CHECK(p.message.find("VF 0000:3b:00.2 has GUID " + guid) != std::string::npos);
        CHECK(p.fix.find("guidPool") != std::string::npos);
        CHECK(p.fix.find("ip link set ib0 vf 0 node_guid") != std::string::npos);
    }
}

TEST_CASE("an unknown GUID is no problem; two VFs sharing one is") {
    auto r = healthyNode();
    vf(r, 0).guid = GuidFacts{};
    CHECK(kinds(r).empty());

    r = healthyNode();
    vf(r, 1).guid = vf(r, 0).guid;
    const auto& p = only(r);
    CHECK(p.kind == "vf-duplicate-guid");
    CHECK(p.message == "VFs 0000:3b:00.2, 0000:3b:00.3 share GUID 02:00:00:00:00:00:00:01");
}

TEST_CASE("sriov_numvfs=0 is a warning that says how to enable VFs") {
    auto r = healthyNode();
    r.facts.pfs[0].numVfs = 0;
    r.facts.pfs[0].vfs.clear();
    const auto& p = only(r);
    CHECK(p.kind == "pf-no-vfs");
    CHECK(p.severity == Severity::Warning);
    CHECK(p.message.find("sriov_numvfs=0 on ib0 (sriov_totalvfs=8)") == 0);
    CHECK(p.fix == "enable VFs with \"enableVfs\": true in the device plugin config, or echo 8 > /sys/class/net/ib0/device/sriov_numvfs");
}

TEST_CASE("PF faults: unusable, down, no carrier, fewer virtfn links than VFs") {
    auto r = healthyNode();
    r.facts.pfs[0].error = "no netdev ib9: /sys/class/net/ib9: No such file or directory";
    CHECK(kinds(r) == std::vector<std::string>{"pf-unusable"});

    r = healthyNode();
    r.facts.pfs[0].link->adminUp = false;
    CHECK(kinds(r) == std::vector<std::string>{"pf-link-down"});

    r = healthyNode();
    r.facts.pfs[0].link->carrier = false;
    CHECK(kinds(r) == std::vector<std::string>{"pf-no-carrier"});

    r = healthyNode();
    r.facts.pfs[0].numVfs = 4;
    CHECK(kinds(r) == std::vector<std::string>{"pf-vfs-incomplete"});
}

TEST_CASE("VF faults: gone, unreadable, unbound, no netdev anywhere") {
    auto r = healthyNode();
    vf(r, 0).present = false;
    CHECK(kinds(r) == std::vector<std::string>{"vf-missing"});

    r = healthyNode();
    vf(r, 0).error = "read numa_node: Permission denied";
    CHECK(kinds(r) == std::vector<std::string>{"vf-unreadable"});

    r = healthyNode();
    vf(r, 0).driver.clear();
    CHECK(kinds(r) == std::vector<std::string>{"vf-unbound"});

    r = healthyNode();
    vf(r, 0).link.reset();
    vf(r, 0).hostNetdevs.clear();
    CHECK(kinds(r) == std::vector<std::string>{"vf-no-netdev"});

    // vfio-pci VFs (handed to VMs) have no netdev by design.
    vf(r, 0).driver = "vfio-pci";
    CHECK(kinds(r).empty());
}

TEST_CASE("attachment faults: namespace gone, ADD unfinished, lease missing or unreadable") {
    auto r = healthyNode();
    vf(r, 1).pod->netnsExists = false;
    const auto& gone = only(r);
    CHECK(gone.kind == "attachment-netns-gone");
    CHECK(gone.message ==
          "VF 0000:3b:00.3 is recorded as in container c0ffee (net1) but its network namespace /var/run/netns/cni-1 is gone");

    r = healthyNode();
    vf(r, 1).pod->phase = "attaching";
    CHECK(kinds(r) == std::vector<std::string>{"attachment-incomplete"});

    r = healthyNode();
    vf(r, 1).lease->addresses.clear();
    CHECK(kinds(r) == std::vector<std::string>{"lease-missing"});

    r = healthyNode();
    vf(r, 1).lease->error = "network ibnet: the lease store is busy";
    CHECK(kinds(r) == std::vector<std::string>{"lease-unreadable"});
}

TEST_CASE("stale records: allocations and attachments of VFs that no longer exist, corrupt state") {
    auto r = healthyNode();
    r.facts.staleAllocations.push_back(
        AllocationFacts{"0000:5e:00.7", "rdma/vhca", "2026-01-01T00:00:00Z", "/run/ibvf/allocations/0000:5e:00.7.json", std::nullopt});
    const auto& p = only(r);
    CHECK(p.kind == "allocation-stale");
    CHECK(p.message ==
          "allocation record for a VF that no longer exists (0000:5e:00.7, resource rdma/vhca, allocated 2026-01-01T00:00:00Z)");
    CHECK(p.fix ==
          "ibvf-device-plugin removes it on its next refresh; if it does not run any more, remove /run/ibvf/allocations/0000:5e:00.7.json");

    r = healthyNode();
    auto pod = attachedPod("0000:5e:00.7");
    r.facts.staleAttachments.push_back(pod);
    CHECK(kinds(r) == std::vector<std::string>{"attachment-stale"});

    r = healthyNode();
    r.facts.corruptStates.push_back("/var/lib/cni/ibvf/x:net1.json: missing field pciAddress");
    CHECK(kinds(r) == std::vector<std::string>{"attachment-corrupt"});
}

TEST_CASE("RDMA: shared mode is a warning when a listed VF has an RDMA device; unknown is a note") {
    auto r = healthyNode();
    r.facts.rdma.netnsMode = ibvf::linux::RdmaNetnsMode::Shared;
    const auto& p = only(r);
    CHECK(p.kind == "rdma-netns-shared");
    CHECK(p.fix ==
          "rdmaIsolation needs `rdma system set netns exclusive` (persist it with `options ib_core netns_mode=0` in /etc/modprobe.d), set "
          "before any pod uses RDMA");

    for (auto& v : r.facts.pfs[0].vfs) v.rdmaDevice.reset();
    CHECK(kinds(r).empty());
    findProblems(r);
    CHECK(r.notes.size() == 1);

    r = healthyNode();
    r.facts.rdma.netnsMode.reset();
    r.facts.rdma.detail = "open RDMA netlink socket: Protocol not supported";
    CHECK(kinds(r).empty());
    findProblems(r);
    REQUIRE(r.notes.size() == 1);
    CHECK(r.notes[0] == "RDMA netns mode unknown: open RDMA netlink socket: Protocol not supported");
}

TEST_CASE("device plugin: socket missing or not served, config invalid, pool problems; no config is a note") {
    auto r = healthyNode();
    r.facts.devicePlugin.resources[0].socketState = "missing";
    const auto& p = only(r);
    CHECK(p.kind == "device-plugin-socket-missing");
    CHECK(p.message == "device plugin socket missing: /var/lib/kubelet/device-plugins/ibvf-rdma-vhca.sock (resource rdma/vhca)");

    r = healthyNode();
    r.facts.devicePlugin.resources[0].socketState = "not-listening";
    CHECK(kinds(r) == std::vector<std::string>{"device-plugin-socket-stale"});

    r = healthyNode();
    r.facts.devicePlugin.configError = "config /etc/ibvf/device-plugin.json: mode: is required";
    const auto& invalid = only(r);
    CHECK(invalid.kind == "device-plugin-config-invalid");
    CHECK(invalid.fix == "ibvf-diag check-config /etc/ibvf/device-plugin.json explains it");

    r = healthyNode();
    r.facts.devicePlugin.poolProblems.push_back("rdma/vhca: PF ib9: no netdev");
    CHECK(kinds(r) == std::vector<std::string>{"device-plugin-pool"});

    r = healthyNode();
    r.facts.devicePlugin = DevicePluginFacts{};
    CHECK(kinds(r).empty());
    findProblems(r);
    CHECK(r.notes.size() == 1);
}

TEST_CASE("no PF at all is a warning that says how to name one") {
    NodeReport r;
    r.facts.rdma.netnsMode = ibvf::linux::RdmaNetnsMode::Exclusive;
    const auto& p = only(r);
    CHECK(p.kind == "no-pfs");
    CHECK(p.fix ==
          "name the PF with --pf NAME, or point --device-plugin-config at the device plugin's config; a PF is found by itself only when "
          "/sys/class/net/<pf>/type is 32 and its device has sriov_totalvfs");
}

TEST_CASE("findProblems replaces what the report held") {
    auto r = healthyNode();
    r.problems.push_back(Problem{Severity::Error, "old", "x", "y", "z"});
    r.notes.push_back("old note");
    findProblems(r);
    CHECK(r.problems.empty());
    CHECK(r.notes.empty());
}

TEST_CASE("the RDMA device's port GUID counts when the netdev and the PF tell nothing: zero and shared ones are found") {
    auto r = healthyNode();
    vf(r, 0).guid = GuidFacts{};
    vf(r, 0).identity.portGuid = "00:00:00:00:00:00:00:00";
    const auto& p = only(r);
    CHECK(p.kind == "vf-zero-guid");
    CHECK(p.message == "VF 0000:3b:00.2 has GUID 00:00:00:00:00:00:00:00 (read from the RDMA device): it cannot join the fabric");

    r = healthyNode();
    vf(r, 1).guid = GuidFacts{};
    vf(r, 1).identity.portGuid = "02:00:00:00:00:00:00:01";  // VF 0's, seen through the netdev
    CHECK(kinds(r) == std::vector<std::string>{"vf-duplicate-guid"});
}

TEST_CASE("vf-guid-mismatch: an attached VF whose GUID is not the one its attachment gave it") {
    auto r = healthyNode();
    vf(r, 1).pod->guid = "02:00:00:00:00:00:00:02";  // what the netdev shows: fine
    vf(r, 1).identity.portGuid = "02:00:00:00:00:00:00:02";
    vf(r, 1).identity.pfPortGuid = "02:00:00:00:00:00:00:02";
    CHECK(kinds(r).empty());

    vf(r, 1).identity.pfPortGuid = "02:00:00:00:00:00:00:99";
    vf(r, 1).guid = GuidFacts{"02:00:00:00:00:00:00:98", "netdev"};
    const auto& p = only(r);
    CHECK(p.kind == "vf-guid-mismatch");
    CHECK(p.severity == Severity::Error);
    CHECK(p.message ==
          "VF 0000:3b:00.3 was given GUID 02:00:00:00:00:00:00:02 by the attachment of container c0ffee (net1) but has "
          "02:00:00:00:00:00:00:98 (netdev), 02:00:00:00:00:00:00:99 (PF's port GUID for the VF)");
    CHECK(p.fix ==
          "something changed the VF's GUID after ADD (another CNI plugin, a manual ip link set, a driver reload): restart the pod so ADD "
          "sets it again, and find what else writes VF GUIDs on this node");

    // An ADD still running has not given it yet; an attachment that set no GUID asks for nothing.
    vf(r, 1).pod->phase = "attaching";
    CHECK(kinds(r) == std::vector<std::string>{"attachment-incomplete"});
    vf(r, 1).pod->phase = "attached";
    vf(r, 1).pod->guid.reset();
    CHECK(kinds(r).empty());
}

TEST_CASE("device plugin CDI: a missing spec and a device named in no spec are warnings; a current spec is none") {
    auto r = healthyNode();
    auto& res = r.facts.devicePlugin.resources[0];
    res.cdiSpec = "/var/run/cdi/rdma.ibvf-vhca.json";
    res.cdiSpecState = "current";
    CHECK(kinds(r).empty());

    res.cdiSpecState = "missing";
    const auto& missing = only(r);
    CHECK(missing.kind == "cdi-spec-missing");
    CHECK(missing.severity == Severity::Warning);
    CHECK(missing.message ==
          "CDI spec /var/run/cdi/rdma.ibvf-vhca.json is missing (resource rdma/vhca): Allocate "
          "answers with device specs instead of CDI names");

    r = healthyNode();
    r.facts.devicePlugin.resources[0].cdiSpec = "/var/run/cdi/rdma.ibvf-vhca.json";
    r.facts.devicePlugin.resources[0].cdiSpecState = "current";
    r.facts.devicePlugin.resources[0].cdiUnnamed = {"0000-3b-01.2"};
    const auto& unnamed = only(r);
    CHECK(unnamed.kind == "cdi-device-without-spec");
    CHECK(unnamed.message == "device 0000-3b-01.2 of rdma/vhca is named in no CDI spec (/var/run/cdi/rdma.ibvf-vhca.json)");
}
