// ibvf-bench-plugin: the side-by-side benchmark of issue 2 ("Speed") and issue 3's in-process
// IPAM targets. Every contender runs once per round, in an order that rotates each round, so
// drift (page cache, other load on a shared 2-core VM) lands on all of them alike.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "BenchOptions.hpp"
#include "Burst.hpp"
#include "Contenders.hpp"
#include "Report.hpp"
#include "TimedProcess.hpp"
#include "Workload.hpp"
#include "linux/RouteSocket.hpp"

namespace {

using namespace ibvf::bench;
namespace fs = std::filesystem;

constexpr int kWarmupRounds = 2;

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int) { g_stop = 1; }

// Ctrl-C must not leave namespaces and veths behind: the handler only sets a flag, checked
// between operations, and the exception it turns into unwinds through every destructor.
void installStopHandlers() {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
}

void stopIfAsked() {
    if (g_stop) throw std::runtime_error("interrupted; cleaned up");
}

std::string kernelRelease() {
    utsname u{};
    return ::uname(&u) == 0 ? u.release : "?";
}

// The three load averages of /proc/loadavg, e.g. "0.12 0.30 0.41".
std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

void warnIfBusy(const std::string& load) {
    double oneMinute = 0;
    std::istringstream(load) >> oneMinute;
    if (oneMinute >= 1.0) std::cerr << "warning: load average " << load << ": something else is running, expect noisy numbers\n";
}

void record(Samples& s, const OpResult& r) {
    s.wallMs.push_back(r.wallMs);
    if (r.maxRssKb) s.maxRssKb.push_back(*r.maxRssKb);
    if (r.cpuMs) s.cpuMs.push_back(*r.cpuMs);
}

void addDelRounds(const BenchOptions& o, std::vector<std::unique_ptr<Contender>>& contenders, ibvf::linux::RouteSocket& host,
                  Results& results) {
    const std::string pid = std::to_string(::getpid());
    const int total = kWarmupRounds + o.iterations;
    for (int round = 0; round < total; ++round) {
        const bool warmup = round < kWarmupRounds;
        if (!warmup && ((round - kWarmupRounds) % 10 == 0))
            std::cerr << "ADD/DEL round " << (round - kWarmupRounds + 1) << "/" << o.iterations << "\n";
        // All of a round's stages exist before its first timed operation and go together after
        // the last one (see Workload.hpp).
        std::vector<std::unique_ptr<Stage>> stages;
        for (std::size_t i = 0; i < contenders.size(); ++i) stages.push_back(std::make_unique<Stage>(host));
        for (std::size_t step = 0; step < contenders.size(); ++step) {
            const std::size_t i = (step + static_cast<std::size_t>(round)) % contenders.size();
            auto& c = *contenders[i];
            const std::string cid = "ibvf-bench-" + pid + "-" + std::to_string(round) + "-" + std::to_string(i);
            stopIfAsked();
            c.prepare(*stages[i]);
            const OpResult add = c.add(*stages[i], cid);
            c.verifyAdd(*stages[i], add);
            stopIfAsked();
            const auto check = c.check(*stages[i], cid, add);
            if (o.podLifeMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.podLifeMs));
            const OpResult del = c.del(*stages[i], cid);
            c.verifyDel(*stages[i], del);
            if (!warmup) {
                record(results.add[c.key()], add);
                if (check) record(results.check[c.key()], *check);
                record(results.del[c.key()], del);
            }
        }
        stages.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(o.settleMs));
    }
}

// Start-up cost: a CNI VERSION call does no work beyond printing a constant.
void versionRounds(const BenchOptions& o, Results& results) {
    results.versionBinaries = {
        {keys::kIbvf, o.buildDir / "ibvf"}, {keys::kHostDevice, o.cniDir / "host-device"}, {keys::kTrue, o.trueBinary}};
    const std::vector<std::string> order = {keys::kIbvf, keys::kHostDevice, keys::kTrue};
    const std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND=VERSION"};
    const std::string input = R"({"cniVersion":"1.0.0"})";
    for (int round = 0; round < kWarmupRounds + o.versionRuns; ++round) {
        for (std::size_t step = 0; step < order.size(); ++step) {
            stopIfAsked();
            const auto& key = order[(step + static_cast<std::size_t>(round)) % order.size()];
            const auto r = runTimed(results.versionBinaries.at(key).string(), {}, env, input);
            if (!r.ok() || (key != keys::kTrue && r.out.find("supportedVersions") == std::string::npos))
                throw std::runtime_error(key + " VERSION failed: " + r.summary());
            if (round >= kWarmupRounds) record(results.version[key], {r.wallMs, static_cast<double>(r.maxRssKb), r.cpuMs, {}, {}});
        }
    }
}

void measureSizes(const BenchOptions& o, Results& results) {
    const std::vector<std::pair<std::string, fs::path>> binaries = {{"ibvf", o.buildDir / "ibvf"},
                                                                    {"ibvf-ipam", o.buildDir / "ibvf-ipam"},
                                                                    {"host-device", o.cniDir / "host-device"},
                                                                    {"host-local", o.cniDir / "host-local"},
                                                                    {"ip", fs::canonical(o.ip)},
                                                                    {"ibvf-bench-mover", o.buildDir / "ibvf-bench-mover"}};
    for (const auto& [name, path] : binaries) results.sizes[name] = {name, path, fs::file_size(path)};
}

int run(const BenchOptions& o) {
    if (::geteuid() != 0) throw std::runtime_error("needs root (it creates network namespaces and veth pairs)");
    if (!fs::exists(o.buildDir / "ibvf-ipam"))
        throw std::runtime_error((o.buildDir / "ibvf-ipam").string() + " missing: build the ibvf-ipam target");

    Results results;
    results.iterations = o.iterations;
    results.warmupRounds = kWarmupRounds;
    results.versionRuns = o.versionRuns;
    results.settleMs = o.settleMs;
    results.podLifeMs = o.podLifeMs;
    results.kernel = kernelRelease();
    results.loadBefore = loadAverage();
    warnIfBusy(results.loadBefore);

    BenchDir dir;
    ibvf::linux::RouteSocket host;
    std::vector<std::unique_ptr<Contender>> contenders;
    contenders.push_back(makeIbvf(o, dir, IbvfIpam::HostLocal));
    contenders.push_back(makeIbvf(o, dir, IbvfIpam::InProcess));
    contenders.push_back(makeHostDevice(o, dir));
    contenders.push_back(makeIpFloor(o));
    contenders.push_back(makeNetlinkFloor());
    contenders.push_back(makeNetlinkFloorAfterSpawn());
    contenders.push_back(makeExecFloor(o));
    std::optional<BenchDir> ablationDir;
    if (!o.ablateStateDir.empty()) {
        ablationDir.emplace(o.ablateStateDir);
        const std::string variant = "state in " + o.ablateStateDir.string();
        contenders.push_back(makeIbvf(o, *ablationDir, IbvfIpam::HostLocal, variant));
        contenders.push_back(makeIbvf(o, *ablationDir, IbvfIpam::InProcess, variant));
        results.ablateStateDir = o.ablateStateDir.string();
    }
    if (!o.compareIbvf.empty()) {
        contenders.push_back(makeIbvfBinary(o, dir, o.compareIbvf));
        results.compareKey = contenders.back()->key();
    }
    for (const auto& c : contenders) results.labels[c->key()] = c->label();

    addDelRounds(o, contenders, host, results);
    if (o.burstSize > 0) {
        std::vector<Contender*> bursting;
        for (const auto& c : contenders) {
            for (const char* key : {keys::kIbvfInProcess, keys::kIbvfHostLocal, keys::kHostDevice, keys::kFloorExec, keys::kFloorNetlink})
                if (c->key() == key) bursting.push_back(c.get());
        }
        results.burstLoadBefore = loadAverage();
        burstRounds(o, bursting, host, results, stopIfAsked);
        results.burstLoadAfter = loadAverage();
    }
    std::cerr << "VERSION: " << o.versionRuns << " runs each\n";
    versionRounds(o, results);
    measureSizes(o, results);
    results.loadAfter = loadAverage();

    const auto targets = judgeTargets(results);
    std::cout << markdownReport(results, targets);
    if (!o.jsonPath.empty()) writeJsonReport(o.jsonPath, results, targets);
    if (!o.plotDataPath.empty()) writePlotData(o.plotDataPath, results);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const BenchOptions options = parseOptions(argc, argv);
        if (options.help) {
            std::cout << usage();
            return 0;
        }
        installStopHandlers();
        return run(options);
    } catch (const std::exception& e) {
        std::cerr << "ibvf-bench-plugin: " << e.what() << "\n";
        return 1;
    }
}
