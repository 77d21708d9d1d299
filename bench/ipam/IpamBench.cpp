// ibvf-ipam against Go host-local, interleaved in one run on the same config, each binary run the
// way a runtime runs it (exec, env, config on stdin). Prints a markdown table.
//
//   ibvf-ipam-bench [--ibvf PATH] [--host-local PATH] [--workdir DIR] [--iterations N]
//                   [--curve-samples N] [--concurrent-rounds N] [--max-leases N]
//
// 1. ADD+DEL: N rounds; each round runs one ADD+DEL pair of each plugin, in alternating order.
//    Then the peak RSS and CPU of ADD and DEL (through ibvf-bench-spawn), and the binary sizes.
// 2. Allocation time with 10 / 1k / 10k / 60k existing leases in a /16: the stores are filled
//    through the real data layouts (ibvf-ipam's through its library, host-local's by writing its
//    one-file-per-address format), then ADD+DEL pairs are timed; the ADD is reported.
// 3. 64 concurrent ADDs on one /24: wall time from the first exec to the last exit, then 64
//    concurrent DELs; median over rounds, plugins alternating.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "CommandLine.hpp"
#include "ExecTiming.hpp"
#include "TimedProcess.hpp"
#include "ipam/LeaseStore.hpp"
#include "ipam/Range.hpp"

namespace {

namespace fs = std::filesystem;
using ibvf::bench::Clock;
using ibvf::bench::ms;
using ibvf::bench::percentile;

constexpr const char* kUsage =
    "usage: ibvf-ipam-bench [--ibvf PATH] [--host-local PATH] [--workdir DIR] [--iterations N]\n"
    "                       [--curve-samples N] [--concurrent-rounds N] [--max-leases N]\n"
    "ibvf-ipam against Go host-local, interleaved in one run; prints a markdown table.\n";

struct Options {
    std::string ibvf = IBVF_BENCH_BUILD_DIR "/ibvf-ipam";
    std::string hostLocal = "/usr/lib/cni/host-local";
    fs::path workdir;
    int iterations = 300;
    int curveSamples = 40;
    int concurrentRounds = 15;
    int maxLeases = 60000;
};

struct Plugin {
    std::string name;
    std::string binary;
    std::string type;  // ipam.type
    fs::path dataDir;  // parent of <network>/
};

std::string config(const Plugin& p, const std::string& network, const std::string& subnet) {
    return R"({"cniVersion":"1.0.0","name":")" + network + R"(","type":"bench","ipam":{"type":")" + p.type + R"(","dataDir":")" +
           p.dataDir.string() + R"(","ranges":[[{"subnet":")" + subnet + R"("}]],"routes":[{"dst":"0.0.0.0/0"}]}})";
}

std::string g_stateDirEnv;  // "IBVF_STATE_DIR=<workdir>": ibvf-ipam only writes under its allowed root

std::vector<std::string> cniEnv(const std::string& command, const std::string& cid) {
    return {"CNI_COMMAND=" + command,
            "CNI_CONTAINERID=" + cid,
            "CNI_NETNS=/proc/self/ns/net",
            "CNI_IFNAME=net1",
            "CNI_PATH=/usr/lib/cni",
            "PATH=/usr/bin:/bin",
            g_stateDirEnv};
}

// Runs one command; returns its wall time in ms. Throws with the output when it fails.
double runOnce(const Plugin& p, const std::string& command, const std::string& cid, const std::string& conf) {
    return ibvf::bench::timeOne({p.binary, cniEnv(command, cid), conf}, p.name + " " + command + " " + cid);
}

// ---- pre-population ------------------------------------------------------------------------
// host-local 1.1.1's disk format: a file per address holding "<id>\r\n<ifname>", and the
// round-robin cursor in last_reserved_ip.<range set index>.
void populateHostLocal(const fs::path& dir, const ibvf::net::IpAddress& first, int from, int to) {
    fs::create_directories(dir);
    ibvf::net::IpAddress a = first.plus(static_cast<std::uint64_t>(from));
    for (int i = from; i < to; ++i, a = a.next()) {
        std::ofstream(dir / a.toString()) << "fill" << i << "\r\nnet1";
    }
    std::ofstream(dir / "last_reserved_ip.0") << first.plus(static_cast<std::uint64_t>(to - 1)).toString();
}

void populateIbvf(const fs::path& dir, const std::string& network, const ibvf::ipam::RangeSet& set, int from, int to) {
    ibvf::ipam::StoreLocation loc;
    loc.dir = dir;
    loc.network = network;
    ibvf::ipam::LeaseStore store(loc);
    for (int i = from; i < to; ++i) store.allocate({"fill" + std::to_string(i), "net1"}, {set}, {}, {});
}

// ---- reports -------------------------------------------------------------------------------
struct Row {
    std::string what;
    double ibvf;
    double hostLocal;
};

void printTable(const std::string& title, const std::vector<Row>& rows, const std::string& unit) {
    std::cout << "\n### " << title << "\n\n| | ibvf-ipam | host-local | ratio |\n|---|---:|---:|---:|\n";
    for (const auto& r : rows) {
        char line[256];
        std::snprintf(line, sizeof line, "| %s | %.2f %s | %.2f %s | %.2fx |\n", r.what.c_str(), r.ibvf, unit.c_str(), r.hostLocal,
                      unit.c_str(), r.hostLocal > 0 ? r.ibvf / r.hostLocal : 0.0);
        std::cout << line;
    }
    std::cout.flush();
}

Options parseOptions(int argc, char** argv) {
    Options o;
    if (!ibvf::bench::parseCommandLine(
            argc, argv,
            {ibvf::bench::textOption("--ibvf", o.ibvf), ibvf::bench::textOption("--host-local", o.hostLocal),
             ibvf::bench::pathOption("--workdir", o.workdir), ibvf::bench::intOption("--iterations", o.iterations, 1),
             ibvf::bench::intOption("--curve-samples", o.curveSamples, 1),
             ibvf::bench::intOption("--concurrent-rounds", o.concurrentRounds, 1),
             ibvf::bench::intOption("--max-leases", o.maxLeases, 1)})) {
        std::cout << kUsage;
        std::exit(0);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) try {
    Options opt = parseOptions(argc, argv);
    // Removes a workdir we made, also when a step fails: a 60,000-lease store is not litter to leave.
    struct OwnedDir {
        fs::path path;
        ~OwnedDir() {
            std::error_code ec;
            if (!path.empty()) fs::remove_all(path, ec);
        }
    } owned;
    if (opt.workdir.empty()) {
        std::string tmpl = "/var/tmp/ibvf-ipam-bench-XXXXXX";  // a disk, as /var/lib/cni is
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
        opt.workdir = tmpl;
        owned.path = opt.workdir;
    }
    ::setenv("IBVF_STATE_DIR", opt.workdir.c_str(), 1);
    g_stateDirEnv = "IBVF_STATE_DIR=" + opt.workdir.string();
    std::vector<Plugin> plugins{{"ibvf-ipam", opt.ibvf, "ibvf-ipam", opt.workdir / "ibvf"},
                                {"host-local", opt.hostLocal, "host-local", opt.workdir / "host-local"}};

    std::cout << "# ibvf-ipam vs host-local (" << opt.hostLocal << ")\n\nworkdir " << opt.workdir << ", medians unless marked\n";

    // 0. Start-up: VERSION (no store access) and /bin/true, to separate exec cost from IPAM work.
    {
        std::map<std::string, std::vector<double>> version;
        std::vector<double> trueRuns;
        const Plugin truePlugin{"true", "/bin/true", "", {}};
        // A complete config: on "{}" the dispatcher takes an error path, and the first exception
        // thrown in a static binary sorts the unwind tables (~0.5 ms), which is not start-up.
        const auto versionConf = [](const Plugin& p) { return config(p, "version", "10.49.0.0/24"); };
        for (int i = 0; i < 20; ++i) {  // warm the page cache for every binary
            for (const auto& p : plugins) runOnce(p, "VERSION", "v", versionConf(p));
        }
        for (int i = 0; i < opt.iterations; ++i) {
            for (const auto& p : plugins) version[p.name].push_back(runOnce(p, "VERSION", "v", versionConf(p)));
            trueRuns.push_back(runOnce(truePlugin, "VERSION", "v", "{}"));
        }
        char title[128];
        std::snprintf(title, sizeof title, "Start-up: VERSION (exec, no store); /bin/true: %.2f ms", percentile(trueRuns, 0.5));
        printTable(title, {{"VERSION median", percentile(version["ibvf-ipam"], 0.5), percentile(version["host-local"], 0.5)}}, "ms");
    }

    // 1. ADD+DEL pairs.
    {
        std::map<std::string, std::vector<double>> add, del, pair;
        for (int i = 0; i < opt.iterations; ++i) {
            for (int k = 0; k < 2; ++k) {
                const Plugin& p = plugins[static_cast<std::size_t>((i + k) % 2)];
                const std::string conf = config(p, "pairs", "10.50.0.0/24");
                const std::string cid = "pair" + std::to_string(i);
                const double a = runOnce(p, "ADD", cid, conf);
                const double d = runOnce(p, "DEL", cid, conf);
                add[p.name].push_back(a);
                del[p.name].push_back(d);
                pair[p.name].push_back(a + d);
            }
        }
        printTable("ADD+DEL, one /24, " + std::to_string(opt.iterations) + " rounds interleaved",
                   {{"ADD+DEL median", percentile(pair["ibvf-ipam"], 0.5), percentile(pair["host-local"], 0.5)},
                    {"ADD+DEL p95", percentile(pair["ibvf-ipam"], 0.95), percentile(pair["host-local"], 0.95)},
                    {"ADD median", percentile(add["ibvf-ipam"], 0.5), percentile(add["host-local"], 0.5)},
                    {"DEL median", percentile(del["ibvf-ipam"], 0.5), percentile(del["host-local"], 0.5)}},
                   "ms");
    }

    // 1b. Peak RSS and CPU of ADD and DEL, through ibvf-bench-spawn (a child of this process
    // would report this process's RSS as its own), and the binaries' sizes.
    {
        std::map<std::string, std::vector<double>> addRss, delRss, addCpu;
        const int rounds = std::min(opt.iterations, 50);
        for (int i = 0; i < rounds; ++i) {
            for (int k = 0; k < 2; ++k) {
                const Plugin& p = plugins[static_cast<std::size_t>((i + k) % 2)];
                const std::string conf = config(p, "rss", "10.51.0.0/24");
                const std::string cid = "rss" + std::to_string(i);
                for (const char* command : {"ADD", "DEL"}) {
                    const auto run = ibvf::bench::runTimed(p.binary, {}, cniEnv(command, cid), conf);
                    if (!run.ok()) throw std::runtime_error(p.name + " " + command + " " + cid + ": " + run.summary());
                    (std::string(command) == "ADD" ? addRss : delRss)[p.name].push_back(static_cast<double>(run.maxRssKb) / 1024);
                    if (std::string(command) == "ADD") addCpu[p.name].push_back(run.cpuMs);
                }
            }
        }
        printTable("Peak RSS (ru_maxrss), " + std::to_string(rounds) + " ADD+DEL rounds",
                   {{"ADD peak RSS median", percentile(addRss["ibvf-ipam"], 0.5), percentile(addRss["host-local"], 0.5)},
                    {"DEL peak RSS median", percentile(delRss["ibvf-ipam"], 0.5), percentile(delRss["host-local"], 0.5)}},
                   "MB");
        printTable("CPU of an ADD (user + system)",
                   {{"ADD CPU median", percentile(addCpu["ibvf-ipam"], 0.5), percentile(addCpu["host-local"], 0.5)}}, "ms");
        const auto mb = [](const std::string& path) { return static_cast<double>(fs::file_size(path)) / (1024.0 * 1024.0); };
        printTable("Binary size", {{"size", mb(opt.ibvf), mb(opt.hostLocal)}}, "MB");
    }

    // 3 (before the big stores exist, so page cache pressure does not differ). 64 concurrent ADDs.
    {
        std::map<std::string, std::vector<double>> wallAdd, wallDel;
        for (int round = 0; round < opt.concurrentRounds; ++round) {
            for (int k = 0; k < 2; ++k) {
                const Plugin& p = plugins[static_cast<std::size_t>((round + k) % 2)];
                const std::string conf = config(p, "burst", "10.60.0.0/24");
                for (const char* command : {"ADD", "DEL"}) {
                    std::vector<ibvf::bench::Spawn> spawns;
                    for (int c = 0; c < 64; ++c) spawns.push_back({p.binary, cniEnv(command, "burst" + std::to_string(c)), conf});
                    const double wall = ibvf::bench::timeTogether(spawns, p.name + ": 64 concurrent " + command + "s");
                    (std::string(command) == "ADD" ? wallAdd : wallDel)[p.name].push_back(wall);
                }
            }
        }
        printTable("64 concurrent ADDs (then 64 DELs) on one /24, wall time, " + std::to_string(opt.concurrentRounds) + " rounds",
                   {{"64 ADDs median", percentile(wallAdd["ibvf-ipam"], 0.5), percentile(wallAdd["host-local"], 0.5)},
                    {"64 ADDs p95", percentile(wallAdd["ibvf-ipam"], 0.95), percentile(wallAdd["host-local"], 0.95)},
                    {"64 DELs median", percentile(wallDel["ibvf-ipam"], 0.5), percentile(wallDel["host-local"], 0.5)}},
                   "ms");
    }

    // 2. The curve: allocation time against the number of existing leases in a /16.
    {
        const auto subnet = ibvf::net::IpPrefix::parse("10.70.0.0/16").value();
        const ibvf::ipam::RangeSet set{ibvf::ipam::makeRange({"10.70.0.0/16", {}, {}, {}}, "bench")};
        const ibvf::net::IpAddress first = subnet.network().plus(2);  // .1 is the gateway
        std::vector<Row> rows;
        int filled = 0;
        for (const int target : {10, 1000, 10000, 60000}) {
            if (target > opt.maxLeases) break;
            const auto t0 = Clock::now();
            populateHostLocal(plugins[1].dataDir / "curve", first, filled, target);
            populateIbvf(fs::weakly_canonical(plugins[0].dataDir) / "curve", "curve", set, filled, target);
            filled = target;
            // Write the fill back now, so its journal commits do not land inside the samples.
            ::sync();
            std::cerr << "filled " << target << " leases per plugin in " << ms(Clock::now() - t0) / 1000 << " s\n";
            std::map<std::string, std::vector<double>> add;
            for (int i = 0; i < opt.curveSamples; ++i) {
                for (int k = 0; k < 2; ++k) {
                    const Plugin& p = plugins[static_cast<std::size_t>((i + k) % 2)];
                    const std::string conf = config(p, "curve", "10.70.0.0/16");
                    const std::string cid = "curve" + std::to_string(i);
                    add[p.name].push_back(runOnce(p, "ADD", cid, conf));
                    runOnce(p, "DEL", cid, conf);
                }
            }
            rows.push_back(
                {std::to_string(target) + " leases: ADD median", percentile(add["ibvf-ipam"], 0.5), percentile(add["host-local"], 0.5)});
            rows.push_back(
                {std::to_string(target) + " leases: ADD p95", percentile(add["ibvf-ipam"], 0.95), percentile(add["host-local"], 0.95)});
        }
        printTable("Allocation time vs existing leases in a /16 (" + std::to_string(opt.curveSamples) + " ADDs each)", rows, "ms");
    }

    return 0;
} catch (const std::exception& e) {
    std::cerr << "ibvf-ipam-bench: " << e.what() << "\n";
    return 1;
}
