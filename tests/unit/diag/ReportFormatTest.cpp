// The two forms of a node report: --json is one document with every documented field, the text
// form has the PF and VF tables and the problems with their fixes.
#include <doctest/doctest.h>

#include <sstream>

#include <rapidjson/document.h>

#include "diag/ProblemFinder.hpp"
#include "diag/ReportJson.hpp"
#include "diag/ReportText.hpp"
#include "diag/TextTable.hpp"

using namespace ibvf::diag;

namespace {

NodeReport sampleReport() {
    NodeReport r;
    auto& f = r.facts;
    f.paths = PathFacts{"/sys", "/var/lib/cni/ibvf", "/run/ibvf/allocations", "/var/lib/cni/ibvf-ipam"};
    f.rdma.detail = "no RDMA netlink";
    PfFacts pf;
    pf.netdev = "ib0";
    pf.selectedBy = {"auto"};
    pf.pciAddress = "0000:3b:00.0";
    pf.linkType = 32;
    pf.link = LinkFacts{"ib0", true, true, 2044, 32, "00:00:10:49:fe:80"};
    pf.totalVfs = 8;
    pf.numVfs = 2;
    VfFacts free;
    free.index = 0;
    free.pciAddress = "0000:3b:00.2";
    free.driver = "mlx5_core";
    free.hostNetdevs = {"ib0v0"};
    free.link = LinkFacts{"ib0v0", false, false, 2044, 32, ""};
    free.guid = GuidFacts{"00:00:00:00:00:00:00:00", "netdev"};
    VfFacts held;
    held.index = 1;
    held.pciAddress = "0000:3b:00.3";
    held.driver = "mlx5_core";
    held.rdmaDevice = "mlx5_2";
    held.link = LinkFacts{"net1", true, true, 2044, 32, ""};
    held.linkInPod = true;
    held.resources = {"rdma/vhca"};
    held.pod = PodFacts{"0123456789abcdef0123", "net1",      "ibnet", "/var/run/netns/p", "attached",
                        "0000:3b:00.3",         "ibvf-ipam", true,    {"10.56.0.2/24"},   "/var/lib/cni/ibvf/x.json",
                        std::nullopt,           std::nullopt};
    held.allocation =
        AllocationFacts{"0000:3b:00.3", "rdma/vhca", "2026-01-02T03:04:05Z", "/run/ibvf/allocations/0000:3b:00.3.json", std::nullopt};
    held.lease = LeaseFacts{"ibnet", "/var/lib/cni/ibvf-ipam/ibnet", {"10.56.0.2"}, std::nullopt};
    pf.vfs = {free, held};
    f.pfs.push_back(pf);
    f.staleAllocations.push_back(
        AllocationFacts{"0000:5e:00.2", "rdma/vhca", "t", "/run/ibvf/allocations/0000:5e:00.2.json", std::nullopt});
    findProblems(r);
    return r;
}

const rapidjson::Value& member(const rapidjson::Value& v, const char* key) {
    INFO("missing key " << key);
    REQUIRE(v.IsObject());
    REQUIRE(v.HasMember(key));
    return v[key];
}

}  // namespace

TEST_CASE("--json: one document with the documented fields, nulls for what is unknown") {
    const auto r = sampleReport();
    rapidjson::Document doc;
    doc.Parse(reportJson(r).c_str());
    REQUIRE_FALSE(doc.HasParseError());
    CHECK(std::string(member(doc, "schema").GetString()) == "ibvf-diag/v1");
    CHECK(member(member(doc, "problemCount"), "error").GetUint() == r.count(Severity::Error));
    CHECK(member(member(doc, "rdma"), "netnsMode").IsNull());
    CHECK(std::string(member(member(doc, "rdma"), "detail").GetString()) == "no RDMA netlink");
    for (const char* key : {"config", "configError", "socketDir", "resources", "poolProblems"}) member(member(doc, "devicePlugin"), key);
    for (const char* key : {"sysfsRoot", "attachments", "allocations", "ipamDataDir"}) member(member(doc, "paths"), key);

    const auto& pf = member(doc, "pfs")[0];
    for (const char* key :
         {"netdev", "selectedBy", "error", "pciAddress", "rdmaDevice", "linkType", "link", "sriovTotalVfs", "sriovNumVfs", "vfs"})
        member(pf, key);
    CHECK(member(pf, "sriovNumVfs").GetUint() == 2);
    CHECK(std::string(member(member(pf, "link"), "state").GetString()) == "up");
    const auto& vfs = member(pf, "vfs");
    REQUIRE(vfs.Size() == 2);
    for (const char* key : {"index", "pciAddress", "present", "error", "driver", "rdmaDevice", "numaNode", "hostNetdevs", "link",
                            "linkInPod", "guid", "guidSource", "resources", "pod", "allocation", "lease"})
        member(vfs[0], key);
    CHECK(member(vfs[0], "pod").IsNull());
    CHECK(member(vfs[0], "numaNode").IsNull());
    CHECK(std::string(member(vfs[0], "guidSource").GetString()) == "netdev");
    const auto& pod = member(vfs[1], "pod");
    CHECK(std::string(member(pod, "containerId").GetString()) == "0123456789abcdef0123");
    CHECK(member(pod, "netnsExists").GetBool());
    CHECK(std::string(member(member(vfs[1], "lease"), "addresses")[0].GetString()) == "10.56.0.2");
    CHECK(std::string(member(member(vfs[1], "allocation"), "resource").GetString()) == "rdma/vhca");
    CHECK(member(vfs[1], "guid").IsNull());
    CHECK(member(vfs[1], "guidSource").IsNull());

    CHECK(member(doc, "staleAllocations").Size() == 1);
    const auto& problems = member(doc, "problems");
    REQUIRE(problems.Size() == r.problems.size());
    for (const char* key : {"severity", "kind", "subject", "message", "fix"}) member(problems[0], key);
    CHECK(member(doc, "notes").IsArray());
}

TEST_CASE("text: PF and VF tables, the pod by short container ID, problems with fixes") {
    std::ostringstream out;
    printReportText(sampleReport(), out);
    const std::string text = out.str();
    INFO(text);
    CHECK(text.find("RDMA netns mode: unknown\n") != std::string::npos);
    CHECK(text.find("Notes:\n  RDMA netns mode unknown: no RDMA netlink\n") != std::string::npos);
    CHECK(text.find("Problems (1 error, 1 warning):") != std::string::npos);
    CHECK(text.find("ib0  0000:3b:00.0  -     infiniband  up    2044  2    8         auto") != std::string::npos);
    CHECK(text.find("VFs of ib0:") != std::string::npos);
    CHECK(text.find("net1 (in pod)") != std::string::npos);
    CHECK(text.find("0123456789ab/net1") != std::string::npos);
    CHECK(text.find("0123456789abc/") == std::string::npos);
    CHECK(text.find("10.56.0.2") != std::string::npos);
    CHECK(text.find("2026-01-02T03:04:05Z") != std::string::npos);
    CHECK(text.find("error  [vf-zero-guid] VF 0000:3b:00.2 has GUID 00:00:00:00:00:00:00:00") != std::string::npos);
    CHECK(text.find("warning  [allocation-stale]") != std::string::npos);
    CHECK(text.find("    fix: ") != std::string::npos);
}

TEST_CASE("text: a clean report says so") {
    NodeReport r;
    r.facts.rdma.netnsMode = ibvf::linux::RdmaNetnsMode::Exclusive;
    r.facts.pfs.push_back(PfFacts{});
    r.facts.pfs[0].netdev = "ib0";
    std::ostringstream out;
    printReportText(r, out);
    CHECK(out.str().find("No problems found.") != std::string::npos);
    CHECK(out.str().find("RDMA netns mode: exclusive") != std::string::npos);
}

TEST_CASE("TextTable pads columns to the widest cell and trims line ends") {
    TextTable t({"A", "LONGER"});
    t.add({"wide cell", "x"});
    t.add({"b", ""});
    std::ostringstream out;
    t.print(out, "> ");
    CHECK(out.str() == "> A          LONGER\n> wide cell  x\n> b\n");
}

TEST_CASE("InfiniBand identity: sysfs GUIDs, pkey entry 0, the PF's view and what the attachment asked, in JSON and text") {
    auto r = sampleReport();
    auto& held = r.facts.pfs[0].vfs[1];
    held.identity = IbIdentityFacts{"02:00:00:00:00:00:00:11", "02:00:00:00:00:00:00:22", "0x8001", "02:00:00:00:00:00:00:33",
                                    "02:00:00:00:00:00:00:44"};
    held.pod->guid = "02:00:00:00:00:00:00:22";
    held.pod->partition = "0x0006";
    rapidjson::Document doc;
    doc.Parse(reportJson(r).c_str());
    REQUIRE_FALSE(doc.HasParseError());
    const auto& vfs = member(member(doc, "pfs")[0], "vfs");
    const auto& unknown = member(vfs[0], "identity");
    for (const char* key : {"nodeGuid", "portGuid", "pkey0", "pfNodeGuid", "pfPortGuid"}) CHECK(member(unknown, key).IsNull());
    const auto& id = member(vfs[1], "identity");
    CHECK(std::string(member(id, "nodeGuid").GetString()) == "02:00:00:00:00:00:00:11");
    CHECK(std::string(member(id, "portGuid").GetString()) == "02:00:00:00:00:00:00:22");
    CHECK(std::string(member(id, "pkey0").GetString()) == "0x8001");
    CHECK(std::string(member(id, "pfNodeGuid").GetString()) == "02:00:00:00:00:00:00:33");
    CHECK(std::string(member(id, "pfPortGuid").GetString()) == "02:00:00:00:00:00:00:44");
    CHECK(std::string(member(member(vfs[1], "pod"), "guid").GetString()) == "02:00:00:00:00:00:00:22");
    CHECK(std::string(member(member(vfs[1], "pod"), "partition").GetString()) == "0x0006");

    std::ostringstream out;
    printReportText(r, out);
    const std::string text = out.str();
    INFO(text);
    CHECK(text.find("InfiniBand identity of ib0's VFs:") != std::string::npos);
    CHECK(text.find("1   0000:3b:00.3  02:00:00:00:00:00:00:11  02:00:00:00:00:00:00:22  0x8001   02:00:00:00:00:00:00:33  "
                    "02:00:00:00:00:00:00:44  02:00:00:00:00:00:00:22  0x0006") != std::string::npos);
}
