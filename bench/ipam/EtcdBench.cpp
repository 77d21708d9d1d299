// The etcd lease store against the node-local one, measured in one run, every binary exec'd the
// way a runtime runs it. Starts its own etcd (Debian's etcd-server) on loopback, data on a disk
// (--etcd-data, /var/tmp by default: etcd fsyncs every commit, and a disk is where it runs).
//
//   ibvf-ipam-etcd-bench [--iterations N] [--concurrent-rounds N] [--curve-samples N]
//                        [--etcd-data DIR] [--workdir DIR]
//
// 0. Start-up: VERSION of ibvf-ipam and ibvf-ipam-etcd, next to /bin/true.
// 1. ADD+DEL pairs, contenders interleaved: the node-local store (ibvf-ipam), the etcd store
//    through ibvf-ipam (which execs ibvf-ipam-etcd), and ibvf-ipam-etcd named directly.
// 2. 300-way concurrent allocation across 3 nodes: 3 x 100 ADDs started at once on one /22 (etcd)
//    or on each node's own /22 (node-local stores, one per node), wall time from the first spawn
//    to the last exit; then the 300 DELs. One more etcd round with debug logs counts the claim
//    transactions each ADD needed.
// 3. The fill curve: a /22 already 0 / 50 / 90 / 99 % leased (written in the store's layout), then
//    ADD+DEL pairs through ibvf-ipam-etcd; ADD time and claims per ADD.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "CommandLine.hpp"
#include "ExecTiming.hpp"
#include "etcd/EtcdClient.hpp"
#include "ipam/etcd/EtcdLayout.hpp"
#include "support/EtcdServer.hpp"

namespace {

namespace fs = std::filesystem;
using ibvf::bench::Clock;
using ibvf::bench::ms;
using ibvf::bench::percentile;

constexpr const char* kPrefix = "/bench";
constexpr const char* kUsage =
    "usage: ibvf-ipam-etcd-bench [--iterations N] [--concurrent-rounds N] [--curve-samples N]\n"
    "                            [--etcd-data DIR] [--workdir DIR] [--build-dir DIR]\n"
    "The etcd lease store against the node-local one; starts its own etcd. Needs root.\n";

struct Options {
    std::string buildDir = IBVF_BENCH_BUILD_DIR;
    fs::path etcdData = "/var/tmp";
    fs::path workdir;
    int iterations = 200;
    int concurrentRounds = 5;
    int curveSamples = 40;
};

struct Contender {
    std::string name;
    std::string binary;
    bool etcd = false;
};

std::string g_endpoint;
fs::path g_workdir;

std::string config(const Contender& c, const std::string& network, const std::string& subnet, const std::string& node,
                   const std::string& extra = {}) {
    std::string s = R"({"cniVersion":"1.0.0","name":")" + network + R"(","type":"bench","ipam":{"type":"ibvf-ipam",)" +
                    R"("ranges":[[{"subnet":")" + subnet + R"("}]],"routes":[{"dst":"0.0.0.0/0"}])" + extra;
    if (c.etcd) {
        s += R"(,"nodeName":")" + node + R"(","backend":{"type":"etcd","endpoints":[")" + g_endpoint + R"("],"prefix":")" + kPrefix +
             R"("})";
    } else {
        s += R"(,"dataDir":")" + (g_workdir / "local" / node).string() + "\"";
    }
    return s + "}}";
}

std::vector<std::string> cniEnv(const std::string& command, const std::string& cid) {
    return {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + cid, "CNI_NETNS=/proc/self/ns/net", "CNI_IFNAME=net1", "CNI_PATH=/opt/cni/bin",
            "PATH=/usr/bin:/bin", "IBVF_STATE_DIR=" + g_workdir.string(),
            // The claim counts come from debug logs written here: a netconf's logFile must lie in
            // the log directory.
            "IBVF_LOG_DIR=" + g_workdir.string()};
}

double runOnce(const Contender& c, const std::string& command, const std::string& cid, const std::string& conf) {
    return ibvf::bench::timeOne({c.binary, cniEnv(command, cid), conf}, c.name + " " + command + " " + cid);
}

// "claimed in N attempt(s)" lines of ibvf-ipam-etcd's debug log: N -> count. Lines of concurrent
// writers may interleave; only whole ones count.
std::map<int, int> claimsHistogram(const fs::path& log, int* scans) {
    std::map<int, int> h;
    std::ifstream in(log);
    std::string line;
    const std::regex claimed("claimed in ([0-9]+) attempt");
    *scans = 0;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, claimed)) ++h[std::stoi(m[1])];
        if (line.find("whole:") != std::string::npos) ++*scans;
    }
    // Every logged round has ADDs: no claim line means the log was not written (a refused logFile).
    if (h.empty()) throw std::runtime_error(log.string() + " records no claim: was the debug log written?");
    return h;
}

std::string histogramText(const std::map<int, int>& h) {
    int total = 0;
    double sum = 0;
    int worst = 0;
    for (const auto& [n, count] : h) {
        total += count;
        sum += n * count;
        worst = std::max(worst, n);
    }
    std::string s;
    for (const auto& [n, count] : h) s += (s.empty() ? "" : ", ") + std::to_string(count) + "x" + std::to_string(n);
    char buf[160];
    std::snprintf(buf, sizeof buf, "mean %.2f, max %d over %d ADDs (%s)", total ? sum / total : 0.0, worst, total, s.c_str());
    return buf;
}

void printRow(const std::string& what, const std::vector<double>& values, const std::string& unit) {
    std::cout << "| " << what;
    for (double v : values) {
        char cell[32];
        std::snprintf(cell, sizeof cell, " | %.2f %s", v, unit.c_str());
        std::cout << cell;
    }
    std::cout << " |\n";
}

// Leases `count` random addresses of `subnet` for a node "filler", in the store's own layout.
void fill(const std::string& network, const std::string& subnet, int count, std::uint64_t seed) {
    const auto prefix = ibvf::net::IpPrefix::parse(subnet).value();
    std::vector<ibvf::net::IpAddress> all;
    // .2 .. broadcast-1: the gateway (.1) is never handed out.
    for (auto a = prefix.network().plus(2); a < prefix.lastAddress(); a = a.next()) all.push_back(a);
    std::mt19937_64 rng(seed);
    std::shuffle(all.begin(), all.end(), rng);
    const ibvf::ipam::EtcdLayout layout(kPrefix, network, "filler");
    ibvf::etcd::ClientSettings s;
    s.endpoints.push_back(ibvf::etcd::parseEndpoint(g_endpoint, false));
    ibvf::etcd::EtcdClient client(std::move(s), ibvf::etcd::Deadline(std::chrono::seconds(60)));
    for (int from = 0; from < count; from += 60) {
        ibvf::etcd::TxnRequest t;
        for (int i = from; i < std::min(count, from + 60); ++i) {
            const ibvf::ipam::AttachmentKey who{"fill" + std::to_string(i), "net1"};
            const auto& a = all[static_cast<std::size_t>(i)];
            t.success.push_back({ibvf::etcd::PutRequest{layout.leaseKey(a), layout.leaseValue(who, a, 0)}});
            t.success.push_back({ibvf::etcd::PutRequest{layout.indexKey(who, a), a.toString()}});
        }
        client.txn(t);
    }
}

Options parseOptions(int argc, char** argv) {
    Options o;
    if (!ibvf::bench::parseCommandLine(
            argc, argv,
            {ibvf::bench::intOption("--iterations", o.iterations, 1), ibvf::bench::intOption("--concurrent-rounds", o.concurrentRounds, 1),
             ibvf::bench::intOption("--curve-samples", o.curveSamples, 1), ibvf::bench::pathOption("--etcd-data", o.etcdData),
             ibvf::bench::pathOption("--workdir", o.workdir), ibvf::bench::textOption("--build-dir", o.buildDir)})) {
        std::cout << kUsage;
        std::exit(0);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) try {
    Options opt = parseOptions(argc, argv);
    ibvf::test::ScratchDir work(opt.workdir.empty() ? fs::path("/var/tmp") : opt.workdir);  // a disk, as /var/lib/cni is
    g_workdir = fs::weakly_canonical(work.path());
    ibvf::test::EtcdServer etcd(ibvf::test::EtcdServer::Security::Plain, opt.etcdData);
    g_endpoint = etcd.endpoint();

    const Contender local{"node-local", opt.buildDir + "/ibvf-ipam", false};
    const Contender viaIpam{"etcd via ibvf-ipam", opt.buildDir + "/ibvf-ipam", true};
    const Contender direct{"etcd, ibvf-ipam-etcd", opt.buildDir + "/ibvf-ipam-etcd", true};
    const std::vector<const Contender*> all{&local, &viaIpam, &direct};

    std::cout << "# ibvf-ipam: etcd store vs node-local store\n\netcd " << g_endpoint << " with data in " << opt.etcdData
              << ", leases of the local store in " << g_workdir << "; medians unless marked\n";

    // 0. Start-up.
    {
        std::vector<double> ipam, ipamEtcd, trueRuns;
        const Contender t{"true", "/bin/true", false};
        const std::string conf = config(local, "version", "10.49.0.0/24", "n");
        for (int i = 0; i < 20 + opt.iterations; ++i) {
            const double a = runOnce(local, "VERSION", "v", conf);
            const double b = runOnce(direct, "VERSION", "v", conf);
            const double c = runOnce(t, "VERSION", "v", "{}");
            if (i < 20) continue;  // page cache warm-up
            ipam.push_back(a);
            ipamEtcd.push_back(b);
            trueRuns.push_back(c);
        }
        std::cout << "\n### Start-up (VERSION)\n\n| | ibvf-ipam | ibvf-ipam-etcd | /bin/true |\n|---|---:|---:|---:|\n";
        printRow("median", {percentile(ipam, 0.5), percentile(ipamEtcd, 0.5), percentile(trueRuns, 0.5)}, "ms");
    }

    // 1. ADD+DEL pairs.
    {
        std::map<std::string, std::vector<double>> add, del, pair;
        for (int i = 0; i < opt.iterations; ++i) {
            for (std::size_t k = 0; k < all.size(); ++k) {
                const Contender& c = *all[(static_cast<std::size_t>(i) + k) % all.size()];
                const std::string conf = config(c, "pairs", "10.50.0.0/22", "node-0");
                const std::string cid = "pair" + std::to_string(i);
                const double a = runOnce(c, "ADD", cid, conf);
                const double d = runOnce(c, "DEL", cid, conf);
                add[c.name].push_back(a);
                del[c.name].push_back(d);
                pair[c.name].push_back(a + d);
            }
        }
        std::cout << "\n### ADD+DEL, one /22, " << opt.iterations << " rounds interleaved\n\n| |";
        for (const auto* c : all) std::cout << " " << c->name << " |";
        std::cout << "\n|---|---:|---:|---:|\n";
        const auto row = [&](const char* what, std::map<std::string, std::vector<double>>& m, double p) {
            std::vector<double> v;
            for (const auto* c : all) v.push_back(percentile(m[c->name], p));
            printRow(what, v, "ms");
        };
        row("ADD+DEL median", pair, 0.5);
        row("ADD+DEL p95", pair, 0.95);
        row("ADD median", add, 0.5);
        row("DEL median", del, 0.5);
        std::cout.flush();
    }

    // 2. 300-way concurrent allocation across 3 nodes.
    {
        const std::vector<std::string> nodes{"node-0", "node-1", "node-2"};
        std::vector<std::string> cids;
        for (int i = 0; i < 300; ++i) cids.push_back("burst" + std::to_string(i / 3));
        const auto jobsFor = [&](const Contender& c, const std::string& command, const std::string& extra) {
            std::vector<ibvf::bench::Spawn> jobs;
            for (int i = 0; i < 300; ++i) {
                const std::string& node = nodes[static_cast<std::size_t>(i % 3)];
                // The same /22 everywhere: one pool for the etcd nodes, one store per node otherwise.
                jobs.push_back(
                    {c.binary, cniEnv(command, cids[static_cast<std::size_t>(i)]), config(c, "burst", "10.60.0.0/22", node, extra)});
            }
            return jobs;
        };
        std::map<std::string, std::vector<double>> wallAdd, wallDel;
        const std::vector<const Contender*> burst{&local, &direct};
        for (int round = 0; round < opt.concurrentRounds; ++round) {
            for (std::size_t k = 0; k < burst.size(); ++k) {
                const Contender& c = *burst[(static_cast<std::size_t>(round) + k) % burst.size()];
                wallAdd[c.name].push_back(ibvf::bench::timeTogether(jobsFor(c, "ADD", {}), c.name + ": 300 ADDs"));
                wallDel[c.name].push_back(ibvf::bench::timeTogether(jobsFor(c, "DEL", {}), c.name + ": 300 DELs"));
            }
        }
        const fs::path log = g_workdir / "burst.log";
        const std::string logged = R"(,"logLevel":"debug","logFile":")" + log.string() + "\"";
        ibvf::bench::timeTogether(jobsFor(direct, "ADD", logged), "logged 300 ADDs");
        ibvf::bench::timeTogether(jobsFor(direct, "DEL", logged), "logged 300 DELs");
        int scans = 0;
        const auto h = claimsHistogram(log, &scans);
        std::cout << "\n### 300 concurrent ADDs (3 nodes x 100), then 300 DELs, wall time, " << opt.concurrentRounds
                  << " rounds\n\n| | node-local (a store per node) | etcd (one /22 for all) |\n|---|---:|---:|\n";
        printRow("300 ADDs median", {percentile(wallAdd[local.name], 0.5), percentile(wallAdd[direct.name], 0.5)}, "ms");
        printRow("300 ADDs max", {percentile(wallAdd[local.name], 1), percentile(wallAdd[direct.name], 1)}, "ms");
        printRow("300 DELs median", {percentile(wallDel[local.name], 0.5), percentile(wallDel[direct.name], 0.5)}, "ms");
        std::cout << "\nClaim transactions per ADD in one logged etcd round: " << histogramText(h) << "; whole-set reads: " << scans
                  << "\n";
        std::cout.flush();
    }

    // 3. The fill curve.
    {
        std::cout << "\n### ADD against a /22 (1,021 assignable) already partly leased, " << opt.curveSamples
                  << " ADD+DEL pairs each (ibvf-ipam-etcd)\n\n| fill | ADD median | ADD p95 | claims per ADD |\n|---|---:|---:|---|\n";
        int filled = 0;
        std::uint64_t seed = 1;
        for (const int percent : {0, 50, 90, 99}) {
            const std::string network = "curve" + std::to_string(percent);
            filled = 1021 * percent / 100;
            fill(network, "10.70.0.0/22", filled, seed++);
            std::vector<double> adds;
            for (int i = 0; i < opt.curveSamples; ++i) {
                const std::string conf = config(direct, network, "10.70.0.0/22", "node-0");
                adds.push_back(runOnce(direct, "ADD", "c" + std::to_string(i), conf));
                runOnce(direct, "DEL", "c" + std::to_string(i), conf);
            }
            const fs::path log = g_workdir / (network + ".log");
            const std::string conf =
                config(direct, network, "10.70.0.0/22", "node-0", R"(,"logLevel":"debug","logFile":")" + log.string() + "\"");
            for (int i = 0; i < opt.curveSamples; ++i) {
                runOnce(direct, "ADD", "l" + std::to_string(i), conf);
                runOnce(direct, "DEL", "l" + std::to_string(i), conf);
            }
            int scans = 0;
            const auto h = claimsHistogram(log, &scans);
            char line[320];
            std::snprintf(line, sizeof line, "| %d %% (%d leases) | %.2f ms | %.2f ms | %s; whole-set reads: %d |\n", percent, filled,
                          percentile(adds, 0.5), percentile(adds, 0.95), histogramText(h).c_str(), scans);
            std::cout << line;
            std::cout.flush();
        }
    }
    etcd.deleteUnder(kPrefix);
    return 0;
} catch (const std::exception& e) {
    std::cerr << "ibvf-ipam-etcd-bench: " << e.what() << "\n";
    return 1;
}
