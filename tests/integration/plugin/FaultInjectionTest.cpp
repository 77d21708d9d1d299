// Fault injection: the test-only ibvf-faulty binary (tests/faulty/) fails or kills itself at
// every named point that ADD, DEL and GC pass on a node of veth stand-ins (IBVF_FAULT). After
// each fault the host namespace, the pod namespace, the state directory and the lease store are
// checked; then the shipped ibvf runs a DEL or a GC, which must bring the node back to exactly
// where it was before the ADD. The table of points x outcomes is printed.
//
// Points that need InfiniBand hardware (GUIDs, link state, RDMA device, partition child) are
// driven in-process against the recording fakes in FaultInjectionHardwareTest.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "FaultTable.hpp"
#include "NodeFootprint.hpp"
#include "PluginLab.hpp"
#include "linux/RouteSocket.hpp"
#include "plugin/FaultPoints.hpp"

using namespace ibvf;
using namespace ibvf::test;
namespace fs = std::filesystem;

namespace {

using Op = FaultOp;

const std::string kCid = "cid-fault";

// One VF whose veth is up on the host (so ADD passes attach.host-link-down), an ADD that passes
// every point a veth can: MTU, addresses, routes, the device-info file.
struct Bench {
    PluginLab lab{1};
    ScopedNetns pod;
    fs::path devinfo;
    NodeFootprint before;

    Bench() : devinfo(lab.stateDir() / "devinfo") {
        lab.veth(0).alsoSearch(pod.path());
        linux::RouteSocket().setAdminUp(lab.veth(0).aIndex(), true);
        fs::create_directories(devinfo);
        before = footprint();
    }
    NodeFootprint footprint() const { return NodeFootprint::capture(lab, {pod.path()}); }
    fs::path stateFile() const { return lab.attachmentsDir() / (kCid + ":net1.json"); }

    std::string conf(Op op) const {
        if (op == Op::Gc) return netconf("1.1.0", R"(,"cni.dev/valid-attachments":[])", bundledIpam());
        return netconf("1.1.0",
                       R"(,"deviceID":")" + vfPci(0) + R"(","mtu":1400,"runtimeConfig":{"CNIDeviceInfoFile":")" +
                           (devinfo / "ibnet-net1.json").string() + "\"}",
                       bundledIpam());
    }
    RunResult run(const std::string& binary, Op op, const std::map<std::string, std::string>& extra = {}) const {
        auto env = op == Op::Gc ? lab.nodeEnv("GC") : lab.env(op == Op::Add ? "ADD" : "DEL", kCid, pod.path());
        env["IBVF_CNI_DEVINFO_DIR"] = devinfo.string();
        for (const auto& [k, v] : extra) env[k] = v;
        return BinaryRunner(binary).run(env, conf(op));
    }
};

using Scenario = FaultScenario;

// The points the faulty operation passes, each with its occurrence ("ipam.add.lease-created@1").
std::vector<FaultSite> tracePoints(const Scenario& sc) {
    Bench b;
    if (sc.attachFirst) REQUIRE(b.run("ibvf", Op::Add).exitCode == 0);
    const fs::path trace = b.lab.stateDir() / "trace";
    const auto r = b.run("ibvf-faulty", sc.op, {{"IBVF_FAULT_TRACE", trace.string()}});
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    if (sc.op == Op::Add) REQUIRE(b.run("ibvf", Op::Del).exitCode == 0);
    const auto after = b.footprint();
    REQUIRE_MESSAGE(after == b.before, b.before.diff(after));
    return sitesInTrace(trace);
}

// Runs one fault and its recovery; returns the table cell, "" when the run did not go as required
// (the CHECKs say why).
std::string runFault(const Scenario& sc, const FaultSite& site, const std::string& action, Op recovery) {
    CAPTURE(site.label());
    CAPTURE(action);
    Bench b;
    if (sc.attachFirst) {
        const auto add = b.run("ibvf", Op::Add);
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    }
    const auto r = b.run("ibvf-faulty", sc.op, {{"IBVF_FAULT", site.point + ":" + action + "@" + std::to_string(site.occurrence)}});
    const auto mid = b.footprint();
    const bool stateKept = fs::exists(b.stateFile());
    std::string cell;
    bool ok = true;
    if (action == "kill") {
        CHECK_MESSAGE(r.signal == 9, r.summary());
        ok = r.signal == 9;
        cell = "killed";
    } else {
        const std::string text = r.json ? jsonString(*r.json, "msg") : std::string();
        CHECK_MESSAGE(r.exitCode != 0, r.summary());
        CHECK_MESSAGE(text.find("injected fault at " + site.point) != std::string::npos, r.summary());
        ok = r.exitCode != 0 && text.find("injected fault at " + site.point) != std::string::npos;
        cell = "error";
    }
    // Right after the fault: nothing may have changed that the state file does not record. A
    // failed ADD must have undone everything itself, except after its commit point, where the
    // attachment is complete and recorded.
    if (sc.op == Op::Add && action == "fail" && site.point != "attach.committed") {
        CHECK_MESSAGE(mid == b.before, b.before.diff(mid));
        CHECK_FALSE(fs::exists(b.devinfo / "ibnet-net1.json"));
        ok = ok && mid == b.before;
        cell += ", rolled back";
    } else if (!stateKept) {
        // No record left: host and pod must be as before the ADD already. What may remain is a
        // claim naming the attachment (an ADD killed before writing its state) and the leases of
        // a GC killed before its IPAM part: both name the attachment, which the next DEL or GC
        // of it releases.
        CHECK_FALSE_MESSAGE(mid.nodeChanged(b.before), b.before.diff(mid));
        ok = ok && !mid.nodeChanged(b.before);
        if (mid.stateFiles != b.before.stateFiles) cell += ", claim left";
        if (mid.leaseFiles != b.before.leaseFiles) cell += ", leases left";
        if (mid == b.before) cell += ", clean";
    } else {
        cell += mid == b.before ? ", state only" : ", recorded";
    }
    const auto rec = b.run("ibvf", recovery);
    CHECK_MESSAGE(rec.exitCode == 0, rec.summary());
    const auto after = b.footprint();
    CHECK_MESSAGE(after == b.before, "after " << opName(recovery) << ":\n" << b.before.diff(after));
    ok = ok && rec.exitCode == 0 && after == b.before;
    if (!(sc.op == Op::Add && action == "fail" && site.point != "attach.committed")) {
        cell += std::string("; ") + opName(recovery) + " ok";
    }
    return ok ? cell : "FAILED";
}

}  // namespace

TEST_CASE("fault injection: fail or kill ibvf at every point of ADD, DEL and GC; DEL or GC restores the node") {
    FaultTable table({"fail", "kill"});
    std::set<std::string> reached;
    for (const auto& sc : faultScenarios()) {
        const auto sites = tracePoints(sc);
        REQUIRE_FALSE(sites.empty());
        for (const auto& site : sites) {
            reached.insert(site.point);
            const std::string row = std::string(opName(sc.op)) + "  " + site.label();
            // A failure is recovered the way a runtime does after an error: the next command.
            table.set(row, "fail", runFault(sc, site, "fail", sc.recoveries.front()));
            std::string kills;
            for (const Op recovery : sc.recoveries) {
                const auto cell = runFault(sc, site, "kill", recovery);
                kills += (kills.empty() ? "" : " | ") + cell;
            }
            table.set(row, "kill", kills);
        }
    }
    std::cout << "\nFault points x outcomes (ibvf-faulty on veth stand-ins; 'recorded': the state file describes "
                 "what was changed; then the named recovery, by the shipped ibvf, restored the node exactly):\n"
              << table.str() << std::flush;
    CHECK_FALSE(table.anyFailed());

    // Every point a veth node can pass was passed (the others: FaultInjectionHardwareTest.cpp).
    for (const auto point : plugin::faults::kPoints) {
        if (hardwareOnlyPoint(point)) continue;
        CHECK_MESSAGE(reached.count(std::string(point)), "never reached: " << point);
    }
    for (const auto* step : {"ipam.add.locked", "ipam.add.index-written", "ipam.add.lease-created", "ipam.add.cursor-written",
                             "ipam.del.lease-removed", "ipam.del.index-removed", "ipam.gc.lease-removed", "ipam.gc.index-removed"}) {
        CHECK_MESSAGE(reached.count(step), "never reached: " << step);
    }
}

// The in-process release runs after the netdev is back, not beside the move: a DEL that fails
// before it keeps the pod's lease (its address may still be on the interface) for the retry.
TEST_CASE("a DEL that fails before its IPAM release keeps the lease; the retried DEL releases it") {
    Bench b;
    REQUIRE(b.run("ibvf", Op::Add).exitCode == 0);
    const auto attached = b.footprint();
    REQUIRE_FALSE(attached.leaseFiles.empty());
    for (const char* point : {"detach.locked", "detach.netdev-restored"}) {
        CAPTURE(point);
        const auto r = b.run("ibvf-faulty", Op::Del, {{"IBVF_FAULT", std::string(point) + ":fail"}});
        CHECK_MESSAGE(r.exitCode != 0, r.summary());
        CHECK(b.footprint().leaseFiles == attached.leaseFiles);
    }
    CHECK(b.run("ibvf", Op::Del).exitCode == 0);
    const auto after = b.footprint();
    CHECK_MESSAGE(after == b.before, b.before.diff(after));
}

TEST_CASE("the shipped ibvf has no fault switch; ibvf-faulty has") {
    auto contains = [](const std::string& binary, const std::string& needle) {
        std::ifstream in(builtBinary(binary), std::ios::binary);
        REQUIRE(in);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str().find(needle) != std::string::npos;
    };
    CHECK_FALSE(contains("ibvf", "IBVF_FAULT"));
    CHECK(contains("ibvf-faulty", "IBVF_FAULT"));

    // And IBVF_FAULT set for the shipped binary changes nothing.
    Bench b;
    const auto add = b.run("ibvf", Op::Add, {{"IBVF_FAULT", "attach.moved:kill"}});
    CHECK_MESSAGE(add.exitCode == 0, add.summary());
    CHECK(b.run("ibvf", Op::Del).exitCode == 0);
    const auto after = b.footprint();
    CHECK_MESSAGE(after == b.before, b.before.diff(after));
}
