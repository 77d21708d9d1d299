// Fault injection at the points only an InfiniBand VF passes (GUIDs, link state, RDMA device,
// partition child), in-process against the recording fakes that stand in for the hardware.
// "fail": the hook throws and the ADD's undo stack (or the next DEL/GC) must restore everything.
// "kill": the ADD, DEL or GC runs in a forked child that SIGKILLs itself at the point; just
// before, it hands the parent what the "hardware" (the fakes' state) holds then, since a real
// device keeps whatever was done to it. The parent then recovers with DEL or GC in-process.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

#include "FaultTable.hpp"
#include "InProcessNode.hpp"
#include "NodeFootprint.hpp"
#include "cni/Error.hpp"
#include "fault/FaultPoint.hpp"
#include "linux/NetNs.hpp"
#include "log/Logging.hpp"
#include "plugin/Detach.hpp"
#include "plugin/FaultPoints.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

constexpr std::uint64_t kNodeGuid = 0x0002c90300001111ULL;
constexpr std::uint64_t kPortGuid = 0x0002c90300002222ULL;
const std::string kRdma = "mlx5_1";  // the RDMA device the fake sysfs gives VF 0

// What the "hardware" holds: VF 0's settings on the PF and where its RDMA device is.
struct Hardware {
    std::uint64_t nodeGuid = 0;
    std::uint64_t portGuid = 0;
    int linkState = -1;
    std::string rdmaNetns;
    friend bool operator==(const Hardware&, const Hardware&) = default;
    std::string str() const {
        std::ostringstream s;
        s << std::hex << nodeGuid << " " << portGuid << std::dec << " " << linkState << " " << rdmaNetns;
        return s.str();
    }
    static Hardware parse(const std::string& text) {
        Hardware h;
        std::istringstream s(text);
        s >> std::hex >> h.nodeGuid >> h.portGuid >> std::dec >> h.linkState >> h.rdmaNetns;
        return h;
    }
};

// Child-side state of the kill hook.
std::string g_point;
int g_occurrence = 0;
int g_seen = 0;
int g_reportFd = -1;
std::function<std::string()> g_report;

void killingHook(std::string_view point) {
    if (point != g_point || ++g_seen != g_occurrence) return;
    const std::string text = g_report();
    (void)!::write(g_reportFd, text.data(), text.size());
    ::raise(SIGKILL);
}

void failingHook(std::string_view point) {
    if (point != g_point || ++g_seen != g_occurrence) return;
    throw cni::Error(cni::ErrorCode::SystemFailure, "injected fault at " + std::string(point));
}

std::vector<std::string> g_trace;
void tracingHook(std::string_view point) { g_trace.emplace_back(point); }

// Clears the hook whatever happens to the test.
struct HookGuard {
    ~HookGuard() { fault::setHook(nullptr); }
};

using Op = FaultOp;

// One VF with everything that needs hardware switched on.
struct HwBench {
    PluginLab lab{1};
    ScopedNetns pod;
    InProcessNode node{lab};
    int pf = 0;
    NodeFootprint before;
    Hardware original;

    HwBench() {
        // Warnings only, and a fresh per-line context: each in-process run would add its VF.
        log::LogOptions quiet;
        quiet.program = "ibvf-fault-test";
        quiet.level = "warn";
        log::setup(quiet);
        lab.veth(0).alsoSearch(pod.path());
        pf = ifindexOf(lab.pfNetdev());
        linux::VfSettings initial;
        initial.vfIndex = 0;
        initial.nodeGuid = kNodeGuid;
        initial.portGuid = kPortGuid;
        initial.linkState = linux::VfLinkState::Auto;
        node.recorder.addVf(pf, initial);
        node.rdma.addDevice(kRdma, 1);
        before = footprint();
        original = hardware();
    }
    NodeFootprint footprint() const { return NodeFootprint::capture(lab, {pod.path()}); }
    Hardware hardware() const {
        const auto s = node.recorder.settings(pf, 0);
        return {s->nodeGuid.value_or(0), s->portGuid.value_or(0), s->linkState ? static_cast<int>(*s->linkState) : -1,
                node.rdma.netnsOf(kRdma).value_or("?")};
    }
    // The fakes take the state a killed child left the hardware in.
    void adopt(const Hardware& h) {
        linux::VfSettings s;
        s.vfIndex = 0;
        s.nodeGuid = h.nodeGuid;
        s.portGuid = h.portGuid;
        if (h.linkState >= 0) s.linkState = static_cast<linux::VfLinkState>(h.linkState);
        node.recorder.addVf(pf, s);
        const auto podNs = pod.open();
        const auto hostNs = linux::NetNs::current();
        const std::string podId = RecordingRdmaNetns::netnsIdOfFd(podNs.fd());
        const auto now = node.rdma.netnsOf(kRdma);
        if (h.rdmaNetns == podId && now != podId) node.rdma.moveToNetns(kRdma, podNs.fd());
        if (h.rdmaNetns != podId && now == podId) {
            linux::runInNetNs(podNs, [&] { node.rdma.moveToNetns(kRdma, hostNs.fd()); });
        }
    }

    std::string conf() const {
        return netconf(
            "1.1.0",
            R"(,"deviceID":")" + vfPci(0) +
                R"(","guid":"00:11:22:33:44:55:66:77","link_state":"enable","rdmaIsolation":true,"ipoibChild":{"pkey":"0x8001"})",
            bundledIpam());
    }
    void run(Op op) {
        if (op == Op::Gc) {
            auto req = node.request(cni::Command::Gc, "", netconf("1.1.0", R"(,"cni.dev/valid-attachments":[])", bundledIpam()), "");
            plugin::collectGarbage(req, plugin::PluginConfig::parse(req.conf), node.ctx, {});
            return;
        }
        auto req = node.request(op == Op::Add ? cni::Command::Add : cni::Command::Del, pod.path(), conf());
        const auto cfg = plugin::PluginConfig::parse(req.conf);
        if (op == Op::Add) {
            plugin::attach(req, cfg, node.ctx);
        } else {
            plugin::detach(req, cfg, node.ctx);
        }
    }
    bool restored(const std::string& after) {
        const auto now = footprint();
        CHECK_MESSAGE(now == before, after << ":\n" << before.diff(now));
        CHECK_MESSAGE(hardware() == original, after << ": hardware " << hardware().str() << ", was " << original.str());
        return now == before && hardware() == original;
    }
};

using Scenario = FaultScenario;

std::string failAt(const Scenario& sc, const FaultSite& site) {
    HwBench b;
    HookGuard guard;
    if (sc.attachFirst) b.run(Op::Add);
    g_point = site.point;
    g_occurrence = site.occurrence;
    g_seen = 0;
    fault::setHook(failingHook);
    bool threw = false;
    try {
        b.run(sc.op);
    } catch (const cni::Error& e) {
        threw = std::string(e.msg()).find("injected fault at " + site.point) != std::string::npos;
    }
    fault::setHook(nullptr);
    CHECK_MESSAGE(threw, site.label());
    if (sc.op == Op::Add) return threw && b.restored("rolled back at " + site.label()) ? "error, rolled back" : "FAILED";
    b.run(sc.recoveries.front());
    return threw && b.restored(std::string(opName(sc.recoveries.front())) + " after " + site.label())
               ? std::string("error; ") + opName(sc.recoveries.front()) + " ok"
               : "FAILED";
}

std::string killAt(const Scenario& sc, const FaultSite& site, Op recovery) {
    HwBench b;
    if (sc.attachFirst) b.run(Op::Add);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        g_point = site.point;
        g_occurrence = site.occurrence;
        g_seen = 0;
        g_reportFd = fds[1];
        g_report = [&b] { return b.hardware().str(); };
        fault::setHook(killingHook);
        try {
            b.run(sc.op);
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(0);  // never reached the point
    }
    ::close(fds[1]);
    std::string report;
    char buf[256];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) report.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    CHECK_MESSAGE(killed, site.label() << ": child status " << status);
    if (!killed) return "FAILED";
    b.adopt(Hardware::parse(report));
    // The state file must exist while anything is changed (a claim alone may be left).
    const auto mid = b.footprint();
    const bool recorded = std::filesystem::exists(b.lab.attachmentsDir() / "cid-inproc:net1.json");
    const bool changed = mid.nodeChanged(b.before) || !(b.hardware() == b.original);
    CHECK_MESSAGE((recorded || !changed), site.label() << ": changed without a record:\n" << b.before.diff(mid));
    b.run(recovery);
    const bool ok = b.restored(std::string(opName(recovery)) + " after a kill at " + site.label());
    return ok && (recorded || !changed) ? std::string(recorded ? "recorded; " : "clean; ") + opName(recovery) + " ok" : "FAILED";
}

std::vector<FaultSite> hardwareSites(const Scenario& sc) {
    HwBench b;
    HookGuard guard;
    if (sc.attachFirst) b.run(Op::Add);
    g_trace.clear();
    fault::setHook(tracingHook);
    b.run(sc.op);
    fault::setHook(nullptr);
    if (sc.op == Op::Add) b.run(Op::Del);
    REQUIRE(b.restored("traced run"));
    std::vector<FaultSite> sites;
    for (const auto& site : sitesOf(g_trace)) {
        if (hardwareOnlyPoint(site.point)) sites.push_back(site);
    }
    return sites;
}

}  // namespace

TEST_CASE("fault injection at the hardware points: fail or kill, then DEL or GC restores node and hardware") {
    FaultTable table({"fail", "kill"});
    std::set<std::string> reached;
    for (const auto& sc : faultScenarios()) {
        for (const auto& site : hardwareSites(sc)) {
            reached.insert(site.point);
            const std::string row = std::string(opName(sc.op)) + "  " + site.label();
            table.set(row, "fail", failAt(sc, site));
            std::string kills;
            for (const Op recovery : sc.recoveries) kills += (kills.empty() ? "" : " | ") + killAt(sc, site, recovery);
            table.set(row, "kill", kills);
        }
    }
    std::cout << "\nFault points x outcomes at the hardware points (in-process, recording fakes for the PF driver, "
                 "RDMA netlink and IPoIB children):\n"
              << table.str() << std::flush;
    CHECK_FALSE(table.anyFailed());
    for (const auto point : plugin::faults::kPoints) {
        if (hardwareOnlyPoint(point)) CHECK_MESSAGE(reached.count(std::string(point)), "never reached: " << point);
    }
}
