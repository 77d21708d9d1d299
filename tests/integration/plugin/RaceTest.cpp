// Races a busy node sees, each run over a sweep of start offsets so that the second operation
// lands before, during and after the first one's critical steps: a DEL racing a second ADD for
// the same VF, an ADD racing a GC whose valid list cannot name it yet, and two ADDs for the same
// container and interface. After every round: no VF held twice, the winner's attachment whole,
// and once everything is DELeted, nothing leaked.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "FaultTable.hpp"
#include "NodeFootprint.hpp"
#include "PluginLab.hpp"

using namespace ibvf::test;
namespace fs = std::filesystem;

namespace {

constexpr int kRounds = 8;
// Round r starts the second operation r * kStep after the first: 0..35 ms spans an ADD's claim,
// state, allocation and move on this kind of machine.
constexpr std::chrono::milliseconds kStep{5};

struct RaceLab {
    PluginLab lab{2};
    ScopedNetns podA;
    ScopedNetns podB;
    NodeFootprint before;

    RaceLab() {
        for (unsigned vf = 0; vf < 2; ++vf) {
            lab.veth(vf).alsoSearch(podA.path());
            lab.veth(vf).alsoSearch(podB.path());
        }
        before = footprint();
    }
    NodeFootprint footprint() const { return NodeFootprint::capture(lab, {podA.path(), podB.path()}); }
    static std::string conf(unsigned vf) { return netconf("1.1.0", R"(,"deviceID":")" + vfPci(vf) + "\"", bundledIpam()); }
    std::string pfConf() const { return netconf("1.1.0", R"(,"pfNetdevice":")" + lab.pfNetdev() + "\"", bundledIpam()); }
    RunResult gc(const std::string& validJson) const {
        return BinaryRunner("ibvf").run(lab.nodeEnv("GC"), netconf("1.1.0", R"(,"cni.dev/valid-attachments":)" + validJson, bundledIpam()));
    }
    bool stateOf(const std::string& cid) const { return fs::exists(lab.attachmentsDir() / (cid + ":net1.json")); }
    // The attachment a successful ADD reported is whole: interface with its address in the pod,
    // state, lease.
    void requireIntact(const RunResult& add, const std::string& cid, const ScopedNetns& pod) const {
        REQUIRE(add.json);
        const std::string cidr = jsonString((*add.json)["ips"][0], "address");
        CHECK(addressesIn(pod.path(), "net1") == std::vector<std::string>{cidr});
        CHECK(stateOf(cid));
        const std::string ip = cidr.substr(0, cidr.find('/'));
        // A lease is a hard link to the record, a symlink never followed: look at the name.
        const auto lease = fs::symlink_status(lab.leasesDir("ibnet") / "leases" / ip).type();
        CHECK_MESSAGE(lease != fs::file_type::not_found, "lease of " << cid << " for " << ip << " is gone");
    }
    // The points an ADD passes, from a traced run of ibvf-faulty (then DELeted).
    std::vector<FaultSite> tracedAdd() const {
        const fs::path trace = lab.stateDir() / "trace";
        fs::remove(trace);
        auto env = lab.env("ADD", "cid-trace", podA.path());
        env["IBVF_FAULT_TRACE"] = trace.string();
        const auto add = BinaryRunner("ibvf-faulty").run(env, conf(0));
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
        REQUIRE(lab.run("DEL", "cid-trace", podA.path(), conf(0)).exitCode == 0);
        auto sites = sitesInTrace(trace);
        REQUIRE(sites.size() >= 10);
        return sites;
    }
    void requireClean() const {
        const auto after = footprint();
        CHECK_MESSAGE(after == before, before.diff(after));
    }
};

// Runs `first` now and `second` after `offset`, both on their own threads; returns when both ended.
template <typename F, typename G>
void race(F first, G second, std::chrono::milliseconds offset) {
    std::thread a(first);
    std::thread b([&] {
        std::this_thread::sleep_for(offset);
        second();
    });
    a.join();
    b.join();
}

// State 'T' in /proc/<pid>/stat: the process stopped itself (IBVF_FAULT=<point>:stop).
bool waitUntilStopped(pid_t pid) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'T') return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
}

unsigned codeOf(const RunResult& r) { return r.json && r.json->HasMember("code") ? (*r.json)["code"].GetUint() : 0; }

}  // namespace

TEST_CASE("race: DEL of the VF's holder against a second ADD for that VF") {
    RaceLab t;
    int handedOver = 0;
    int busy = 0;
    for (int round = 0; round < kRounds; ++round) {
        CAPTURE(round);
        const auto first = t.lab.run("ADD", "cid-holder", t.podA.path(), RaceLab::conf(0));
        REQUIRE_MESSAGE(first.exitCode == 0, first.summary());
        RunResult del, add;
        race([&] { del = t.lab.run("DEL", "cid-holder", t.podA.path(), RaceLab::conf(0)); },
             [&] { add = t.lab.run("ADD", "cid-next", t.podB.path(), RaceLab::conf(0)); }, kStep * round);
        CHECK_MESSAGE(del.exitCode == 0, del.summary());
        CHECK_FALSE(t.stateOf("cid-holder"));
        CHECK_FALSE(linkExistsIn(t.podA.path(), "net1"));
        if (add.exitCode == 0) {
            // It got the VF after the DEL: only it holds it.
            ++handedOver;
            t.requireIntact(add, "cid-next", t.podB);
            CHECK_FALSE(linkExistsIn("", t.lab.vfNetdev(0)));
        } else {
            ++busy;
            CHECK_MESSAGE(codeOf(add) == 102, add.summary());
            CHECK_MESSAGE(add.out.find("cid-holder") != std::string::npos, add.summary());
            CHECK(linkExistsIn("", t.lab.vfNetdev(0)));
            CHECK_FALSE(t.stateOf("cid-next"));
        }
        CHECK(t.lab.run("DEL", "cid-next", t.podB.path(), RaceLab::conf(0)).exitCode == 0);
        t.requireClean();
    }
    std::cout << "DEL vs second ADD for one VF, " << kRounds << " rounds: handed over " << handedOver << ", busy " << busy << "\n";
}

TEST_CASE("race: a GC whose valid list cannot name an ADD yet, run while that ADD is stopped at each of its points") {
    RaceLab t;
    const auto sites = t.tracedAdd();
    FaultTable table({"ADD stopped here, GC runs, ADD resumes"});
    for (const auto& site : sites) {
        CAPTURE(site.label());
        // A stale attachment that the same GC must release.
        REQUIRE(t.lab.run("ADD", "cid-stale", t.podB.path(), RaceLab::conf(1)).exitCode == 0);
        auto env = t.lab.env("ADD", "cid-new", t.podA.path());
        env["IBVF_FAULT"] = site.point + ":stop@" + std::to_string(site.occurrence);
        auto add = BinaryRunner("ibvf-faulty").start({}, env, RaceLab::conf(0));
        REQUIRE_MESSAGE(waitUntilStopped(add.pid()), site.label());
        RunResult gc;
        std::thread collector([&] { gc = t.gc(R"([{"containerID":"cid-other","ifname":"net1"}])"); });
        // Long enough for the GC to do its part while the ADD cannot move; the GC's IPAM part
        // then waits for the ADD, which is resumed now.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        ::kill(add.pid(), SIGCONT);
        const RunResult added = add.wait();
        collector.join();
        CHECK_MESSAGE(gc.exitCode == 0, gc.summary());
        REQUIRE_MESSAGE(added.exitCode == 0, added.summary());
        t.requireIntact(added, "cid-new", t.podA);
        CHECK_FALSE(t.stateOf("cid-stale"));
        CHECK(linkExistsIn("", t.lab.vfNetdev(1)));
        const bool intact = added.exitCode == 0 && linkExistsIn(t.podA.path(), "net1") && t.stateOf("cid-new") && !t.stateOf("cid-stale");
        table.set(site.label(), "ADD stopped here, GC runs, ADD resumes", intact ? "ADD intact, stale one collected" : "FAILED");
        CHECK(t.lab.run("DEL", "cid-new", t.podA.path(), RaceLab::conf(0)).exitCode == 0);
        t.requireClean();
    }
    std::cout << "\nGC against an ADD in flight (ibvf-faulty stopped at each point with IBVF_FAULT=<point>:stop):\n"
              << table.str() << std::flush;
    CHECK_FALSE(table.anyFailed());
}

TEST_CASE("race: an ADD while a GC is about to collect the IPAM waits for it and keeps its lease") {
    RaceLab t;
    auto env = t.lab.nodeEnv("GC");
    env["IBVF_FAULT"] = "gc.keep-listed:stop";
    auto gc = BinaryRunner("ibvf-faulty").start({}, env, netconf("1.1.0", R"(,"cni.dev/valid-attachments":[])", bundledIpam()));
    REQUIRE(waitUntilStopped(gc.pid()));
    RunResult add;
    std::thread adder([&] { add = t.lab.run("ADD", "cid-new", t.podA.path(), RaceLab::conf(0)); });
    // Without the GC lock the ADD would complete now, and the GC resumed below would collect
    // its lease, which is on no list it made.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(gc.pid(), SIGCONT);
    const RunResult collected = gc.wait();
    adder.join();
    CHECK_MESSAGE(collected.exitCode == 0, collected.summary());
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    t.requireIntact(add, "cid-new", t.podA);
    CHECK(t.lab.run("DEL", "cid-new", t.podA.path(), RaceLab::conf(0)).exitCode == 0);
    t.requireClean();
}

TEST_CASE("race: a second ADD for the same container and interface, while the first is stopped at each point") {
    RaceLab t;
    const auto sites = t.tracedAdd();
    FaultTable table({"deviceID (same VF)", "pfNetdevice (own pick)"});
    for (const bool samePick : {true, false}) {
        // deviceID: both want VF 0. pfNetdevice: the second may pick the other VF.
        const std::string conf = samePick ? RaceLab::conf(0) : t.pfConf();
        const std::string column = samePick ? "deviceID (same VF)" : "pfNetdevice (own pick)";
        for (const auto& site : sites) {
            CAPTURE(samePick);
            CAPTURE(site.label());
            auto env = t.lab.env("ADD", "cid-twice", t.podA.path());
            env["IBVF_FAULT"] = site.point + ":stop@" + std::to_string(site.occurrence);
            auto stopped = BinaryRunner("ibvf-faulty").start({}, env, conf);
            REQUIRE(waitUntilStopped(stopped.pid()));
            RunResult second;
            std::thread other([&] { second = t.lab.run("ADD", "cid-twice", t.podA.path(), conf); });
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            ::kill(stopped.pid(), SIGCONT);
            const RunResult first = stopped.wait();
            other.join();
            REQUIRE_MESSAGE(((first.exitCode == 0) != (second.exitCode == 0)), first.summary() << "\n" << second.summary());
            const RunResult& winner = first.exitCode == 0 ? first : second;
            const RunResult& loser = first.exitCode == 0 ? second : first;
            // Busy (the attachment's state or the VF is taken) or, once the winner's interface is
            // in the pod, its name is.
            CHECK_MESSAGE((codeOf(loser) == 102 || codeOf(loser) == 4), loser.summary());
            CHECK_MESSAGE(loser.out.find("already") != std::string::npos, loser.summary());
            t.requireIntact(winner, "cid-twice", t.podA);
            // The loser left nothing: one VF in the pod, the other home, one state, one claim.
            const std::string pci = jsonString((*winner.json)["interfaces"][0], "pciID");
            const unsigned home = pci == vfPci(0) ? 1 : 0;
            CHECK(linkExistsIn("", t.lab.vfNetdev(home)));
            const auto files = filesUnder(t.lab.attachmentsDir());
            CHECK(files == std::vector<std::string>{"cid-twice:net1.json", "vf/" + pci});
            const bool ok = files == std::vector<std::string>{"cid-twice:net1.json", "vf/" + pci} &&
                            linkExistsIn("", t.lab.vfNetdev(home)) && linkExistsIn(t.podA.path(), "net1");
            table.set(
                site.label(), column,
                ok ? std::string(first.exitCode == 0 ? "first" : "second") + " won, other " + std::to_string(codeOf(loser)) : "FAILED");
            CHECK(t.lab.run("DEL", "cid-twice", t.podA.path(), conf).exitCode == 0);
            t.requireClean();
        }
    }
    std::cout << "\nTwo ADDs for one (container, ifname), the first stopped at each point (winner, loser's code):\n"
              << table.str() << std::flush;
    CHECK_FALSE(table.anyFailed());
}
