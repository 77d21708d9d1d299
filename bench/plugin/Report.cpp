#include "Report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace ibvf::bench {
namespace {

using namespace keys;

std::string fixed(double v, int decimals = 2) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string signedMs(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%+.2f", v);
    return buf;
}

std::string mb(double kb) { return fixed(kb / 1024.0, 1) + " MB"; }
std::string ratio(double a, double b) { return b > 0 ? fixed(a / b) + "x" : "n/a"; }

const Samples& at(const std::map<std::string, Samples>& m, const std::string& key) {
    static const Samples none;
    const auto it = m.find(key);
    return it == m.end() ? none : it->second;
}

std::string sizeOf(const Results& r, const std::string& key) {
    const auto it = r.sizes.find(key);
    return it == r.sizes.end() ? key + " ?" : key + " " + mb(static_cast<double>(it->second.bytes) / 1024.0);
}

std::string row(const std::string& name, const std::vector<std::string>& cells) {
    std::string s = "| " + name;
    for (const auto& c : cells) s += " | " + c;
    return s + " |\n";
}

// The floor column holds the four floors: exec'd `ip` / the move and the pod's configuration from
// a process started for it / the bare move as one call inside the benchmark / the same right
// after a process ran.
std::string floors(const std::string& ip, const std::string& exec, const std::string& netlink, const std::string& afterSpawn) {
    return ip + " / " + exec + " / " + netlink + " / " + afterSpawn;
}

const Burst& burstAt(const std::map<std::string, Burst>& m, const std::string& key) {
    static const Burst none;
    const auto it = m.find(key);
    return it == m.end() ? none : it->second;
}

double maxOf(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

// Issue 17: the single-pod medians against the bare move and the other contenders. A CNI plugin
// is a process that leaves the pod's interface configured: the exec'd floor does exactly that and
// nothing else, the least any plugin takes; what it takes beyond the in-process move is the
// kernel's share of starting a process and configuring the interface.
void singlePodTargets(const Results& r, std::vector<Target>& t) {
    for (const auto& [name, series] : {std::pair<const char*, const std::map<std::string, Samples>*>{"ADD", &r.add}, {"DEL", &r.del}}) {
        const double mine = at(*series, kIbvfInProcess).median();
        const double exec = at(*series, kFloorExec).median();
        const double inProcess = at(*series, kFloorNetlink).median();
        const double afterSpawn = at(*series, kFloorNetlinkSpawn).median();
        t.push_back({"issue 17",
                     std::string("ibvf (ibvf-ipam) ") + name +
                         " median <= the exec'd floor (move, address, up, route from a bare process) + 1.5 ms",
                     fixed(mine) + " ms vs " + fixed(exec) + " ms: " + signedMs(mine - exec) + " ms", mine <= exec + 1.5});
        // The remainder over the in-process move, in three parts: the same move made right after a
        // process ran, a process that moves and configures and nothing else, and ibvf's own.
        t.push_back({"issue 17", std::string("ibvf (ibvf-ipam) ") + name + " median <= the in-process one-netlink-call floor + 1.5 ms",
                     fixed(mine) + " ms vs " + fixed(inProcess) + " ms: " + signedMs(mine - inProcess) +
                         " ms = " + signedMs(afterSpawn - inProcess) + " ms the kernel's, the move alone made right after a process ran, " +
                         signedMs(exec - afterSpawn) +
                         " ms the kernel's, a process started to move and configure (exec'd floor - that), and " + signedMs(mine - exec) +
                         " ms ibvf's own (ibvf - exec'd floor)",
                     mine <= inProcess + 1.5});
    }
    const auto& del = at(r.del, kIbvfInProcess);
    for (const auto& [name, series] : {std::pair<const char*, const std::map<std::string, Samples>*>{"ADD", &r.add}, {"DEL", &r.del}}) {
        const double mine = at(*series, kIbvfInProcess).median();
        const double hl = at(*series, kIbvfHostLocal).median();
        t.push_back({"issue 17", std::string("ibvf (ibvf-ipam) ") + name + " median <= ibvf (host-local)'s",
                     fixed(mine) + " ms vs " + fixed(hl) + " ms", mine <= hl});
    }
    const double hdDel = at(r.del, kHostDevice).median();
    t.push_back({"issue 17", "ibvf (ibvf-ipam) DEL median <= 0.9x host-device + host-local",
                 fixed(del.median()) + " ms vs " + fixed(hdDel) + " ms = " + ratio(del.median(), hdDel), del.median() <= 0.9 * hdDel});
}

// Issue 17: the node-full case.
void burstTargets(const Results& r, std::vector<Target>& t) {
    if (r.burstSize <= 0) return;
    const std::string n = std::to_string(r.burstSize);
    for (const auto& [name, bursts] :
         {std::pair<const char*, const std::map<std::string, Burst>*>{"ADDs", &r.burstAdd}, {"DELs", &r.burstDel}}) {
        const double mine = percentile(burstAt(*bursts, kIbvfInProcess).wallMs, 0.5);
        const double hd = percentile(burstAt(*bursts, kHostDevice).wallMs, 0.5);
        const double bare = percentile(burstAt(*bursts, kFloorNetlink).wallMs, 0.5);
        const double exec = percentile(burstAt(*bursts, kFloorExec).wallMs, 0.5);
        // The kernel serializes netns moves: the bare moves alone are the kernel's part of the wall.
        t.push_back({"issue 17",
                     "wall time of " + n + " concurrent " + name + ", ibvf (ibvf-ipam) <= 0.7x host-device + host-local (medians)",
                     fixed(mine) + " ms vs " + fixed(hd) + " ms = " + ratio(mine, hd) + "; the kernel's: " + n +
                         " bare moves in-process alone take " + fixed(bare) + " ms = " + ratio(bare, hd) + ", " + n +
                         " exec'd movers (move and configure) " + fixed(exec) + " ms = " + ratio(exec, hd),
                     mine <= 0.7 * hd});
    }
    // What the kernel adds by serializing the moves: the slowest of N concurrent bare moves
    // beyond a single one.
    const double single = at(r.add, kIbvfInProcess).median();
    const double kernelExtra = maxOf(burstAt(r.burstAdd, kFloorNetlink).ops.wallMs) - at(r.add, kFloorNetlink).median();
    const double slowest = maxOf(burstAt(r.burstAdd, kIbvfInProcess).ops.wallMs);
    t.push_back(
        {"issue 17",
         "slowest of the concurrent ibvf (ibvf-ipam) ADDs <= 2x its single median + what the kernel adds (slowest concurrent "
         "bare move - single bare move)",
         fixed(slowest) + " ms vs 2 x " + fixed(single) + " + " + fixed(kernelExtra) + " = " + fixed(2 * single + kernelExtra) + " ms",
         slowest <= 2 * single + kernelExtra});
}

std::string burstReport(const Results& r) {
    if (r.burstSize <= 0) return {};
    const std::vector<std::string> order = {kIbvfInProcess, kIbvfHostLocal, kHostDevice, kFloorExec, kFloorNetlink};
    const auto cells = [&](auto cell) {
        std::vector<std::string> v;
        for (const auto& key : order) v.push_back(cell(key));
        return v;
    };
    const auto wall = [](const Burst& b) { return percentile(b.wallMs, 0.5); };
    const std::string n = std::to_string(r.burstSize);
    std::string s = "\nNode-full case, same run: " + n + " concurrent ADDs on " + n + " stand-in VFs and namespaces, then " + n +
                    " concurrent DELs; bursts per contender: " + std::to_string(r.burstRounds) +
                    ", in rotating order; wall time from the start signal to the end of the last operation "
                    "(median of the bursts), and each operation's own time over all bursts. Load average before / after the bursts: " +
                    r.burstLoadBefore + " / " + r.burstLoadAfter + ".\n\n";
    s += row(n + " at once", cells([&](const std::string& k) {
                 if (k == kFloorExec) return n + " moves and configurations, exec'd";
                 return k == kFloorNetlink ? n + " bare netns moves, in-process" : r.labels.at(k);
             }));
    s += "|---|---|---|---|---|---|\n";
    s += row("ADD wall", cells([&](auto& k) { return fixed(wall(burstAt(r.burstAdd, k))); }));
    s += row("ADD each, median / max", cells([&](auto& k) {
                 const auto& ops = burstAt(r.burstAdd, k).ops;
                 return fixed(ops.median()) + " / " + fixed(maxOf(ops.wallMs));
             }));
    s += row("DEL wall", cells([&](auto& k) { return fixed(wall(burstAt(r.burstDel, k))); }));
    s += row("DEL each, median / max", cells([&](auto& k) {
                 const auto& ops = burstAt(r.burstDel, k).ops;
                 return fixed(ops.median()) + " / " + fixed(maxOf(ops.wallMs));
             }));
    s += row("ADD wall / host-device's",
             cells([&](auto& k) { return ratio(wall(burstAt(r.burstAdd, k)), wall(burstAt(r.burstAdd, kHostDevice))); }));
    s += row("DEL wall / host-device's",
             cells([&](auto& k) { return ratio(wall(burstAt(r.burstDel, k)), wall(burstAt(r.burstDel, kHostDevice))); }));
    return s;
}

}  // namespace

std::vector<Target> judgeTargets(const Results& r) {
    std::vector<Target> t;
    const double hd = at(r.add, kHostDevice).median();
    const double hl = at(r.add, kIbvfHostLocal).median();
    const double inproc = at(r.add, kIbvfInProcess).median();
    const double floorIp = at(r.add, kFloorIp).median();
    const double version = at(r.version, kIbvf).median();
    const double trueMs = at(r.version, kTrue).median();
    const double hdRss = at(r.add, kHostDevice).medianRssKb();

    t.push_back({"issue 2", "ibvf (host-local) ADD median <= 0.75x host-device + host-local",
                 fixed(hl) + " ms vs " + fixed(hd) + " ms = " + ratio(hl, hd), hl <= 0.75 * hd});
    t.push_back({"issue 2", "ibvf VERSION median within 1.5x of /bin/true",
                 fixed(version, 3) + " ms vs " + fixed(trueMs, 3) + " ms = " + ratio(version, trueMs), version <= 1.5 * trueMs});
    for (const char* key : {kIbvfInProcess, kIbvfHostLocal}) {
        const double rss = at(r.add, key).medianRssKb();
        const std::string note = std::string(key) == kIbvfHostLocal ? " (max of ibvf and the host-local it execs)" : "";
        t.push_back(
            {"issue 2", "peak RSS of an ADD, " + r.labels.at(key) + note + " < host-device's", mb(rss) + " vs " + mb(hdRss), rss < hdRss});
    }
    t.push_back({"issue 3", "ibvf (ibvf-ipam) ADD median <= 0.6x host-device + host-local",
                 fixed(inproc) + " ms vs " + fixed(hd) + " ms = " + ratio(inproc, hd), inproc <= 0.6 * hd});
    t.push_back({"issue 3", "ibvf (ibvf-ipam) ADD median within 5 ms of the bare netns move (`ip link set netns`, exec'd)",
                 fixed(inproc) + " ms vs " + fixed(floorIp) + " ms: " + signedMs(inproc - floorIp) + " ms", inproc - floorIp <= 5.0});
    singlePodTargets(r, t);
    burstTargets(r, t);
    return t;
}

std::string markdownReport(const Results& r, const std::vector<Target>& targets) {
    const std::vector<std::string> cni = {kIbvfHostLocal, kIbvfInProcess, kHostDevice};
    const auto& hdAdd = at(r.add, kHostDevice);
    const auto& hdDel = at(r.del, kHostDevice);
    const auto& ipAdd = at(r.add, kFloorIp);
    const auto& ipDel = at(r.del, kFloorIp);
    const auto& exAdd = at(r.add, kFloorExec);
    const auto& exDel = at(r.del, kFloorExec);
    const auto& nlAdd = at(r.add, kFloorNetlink);
    const auto& nlDel = at(r.del, kFloorNetlink);
    const auto& spAdd = at(r.add, kFloorNetlinkSpawn);
    const auto& spDel = at(r.del, kFloorNetlinkSpawn);

    const auto perCni = [&](auto cell) {
        std::vector<std::string> cells;
        for (const auto& key : cni) cells.push_back(cell(key));
        return cells;
    };
    const auto withFloor = [](std::vector<std::string> cells, std::string floor) {
        cells.push_back(std::move(floor));
        return cells;
    };

    std::string s;
    s += "ibvf CNI plugin vs Go host-device + host-local: " + std::to_string(r.iterations) + " rounds (after " +
         std::to_string(r.warmupRounds) + " warm-up), each contender once per round in rotating order, on a fresh veth " +
         "stand-in VF and a fresh netns" + (r.podLifeMs > 0 ? ", " + std::to_string(r.podLifeMs) + " ms between CHECK and DEL" : "") +
         "; times in ms, wall clock from spawn to reap. Kernel " + r.kernel + "; load average before / after: " + r.loadBefore + " / " +
         r.loadAfter + ".\n\n";
    s += row("operation", withFloor(perCni([&](const std::string& k) { return r.labels.at(k); }),
                                    "floor: `ip link set netns` exec'd / move and configure, exec'd / bare move, one call in-process / the "
                                    "same right after a process ran"));
    s += "|---|---|---|---|---|\n";
    s += row("ADD median", withFloor(perCni([&](auto& k) { return fixed(at(r.add, k).median()); }),
                                     floors(fixed(ipAdd.median()), fixed(exAdd.median()), fixed(nlAdd.median()), fixed(spAdd.median()))));
    s += row("ADD p95", withFloor(perCni([&](auto& k) { return fixed(at(r.add, k).p95()); }),
                                  floors(fixed(ipAdd.p95()), fixed(exAdd.p95()), fixed(nlAdd.p95()), fixed(spAdd.p95()))));
    s += row("ADD mean", withFloor(perCni([&](auto& k) { return fixed(at(r.add, k).mean()); }),
                                   floors(fixed(ipAdd.mean()), fixed(exAdd.mean()), fixed(nlAdd.mean()), fixed(spAdd.mean()))));
    s += row("DEL median", withFloor(perCni([&](auto& k) { return fixed(at(r.del, k).median()); }),
                                     floors(fixed(ipDel.median()), fixed(exDel.median()), fixed(nlDel.median()), fixed(spDel.median()))));
    s += row("DEL p95", withFloor(perCni([&](auto& k) { return fixed(at(r.del, k).p95()); }),
                                  floors(fixed(ipDel.p95()), fixed(exDel.p95()), fixed(nlDel.p95()), fixed(spDel.p95()))));
    s += row("DEL mean", withFloor(perCni([&](auto& k) { return fixed(at(r.del, k).mean()); }),
                                   floors(fixed(ipDel.mean()), fixed(exDel.mean()), fixed(nlDel.mean()), fixed(spDel.mean()))));
    s += row("CHECK median", withFloor(perCni([&](auto& k) { return fixed(at(r.check, k).median()); }), "n/a"));
    s += row("CHECK p95", withFloor(perCni([&](auto& k) { return fixed(at(r.check, k).p95()); }), "n/a"));
    s += row("ADD median / host-device's", withFloor(perCni([&](auto& k) { return ratio(at(r.add, k).median(), hdAdd.median()); }),
                                                     floors(ratio(ipAdd.median(), hdAdd.median()), ratio(exAdd.median(), hdAdd.median()),
                                                            ratio(nlAdd.median(), hdAdd.median()), ratio(spAdd.median(), hdAdd.median()))));
    s += row("DEL median / host-device's", withFloor(perCni([&](auto& k) { return ratio(at(r.del, k).median(), hdDel.median()); }),
                                                     floors(ratio(ipDel.median(), hdDel.median()), ratio(exDel.median(), hdDel.median()),
                                                            ratio(nlDel.median(), hdDel.median()), ratio(spDel.median(), hdDel.median()))));
    s += row("ADD median - `ip` floor", withFloor(perCni([&](auto& k) { return signedMs(at(r.add, k).median() - ipAdd.median()); }), "0"));
    s += row("ADD CPU user+sys, median (incl. exec'd IPAM)",
             withFloor(perCni([&](auto& k) { return fixed(at(r.add, k).medianCpuMs()); }),
                       floors(fixed(ipAdd.medianCpuMs()), fixed(exAdd.medianCpuMs()), "n/a", "n/a")));
    s += row("ADD peak RSS, median (max over the exec'd tree)",
             withFloor(perCni([&](auto& k) { return mb(at(r.add, k).medianRssKb()); }),
                       floors(mb(ipAdd.medianRssKb()), mb(exAdd.medianRssKb()), "n/a", "n/a")));
    const auto& vIbvf = at(r.version, kIbvf);
    const auto& vHd = at(r.version, kHostDevice);
    const auto& vTrue = at(r.version, kTrue);
    const std::string ibvfVersion =
        fixed(vIbvf.median(), 3) + " / " + fixed(vIbvf.p95(), 3) + " (" + ratio(vIbvf.median(), vTrue.median()) + " /bin/true)";
    s += row("VERSION median / p95 (" + std::to_string(r.versionRuns) + " runs each)",
             {ibvfVersion, "same binary",
              fixed(vHd.median(), 3) + " / " + fixed(vHd.p95(), 3) + " (" + ratio(vHd.median(), vTrue.median()) + " /bin/true)",
              "/bin/true " + fixed(vTrue.median(), 3) + " / " + fixed(vTrue.p95(), 3)});
    s += row("binary size", {sizeOf(r, "ibvf") + " + " + sizeOf(r, "host-local"),
                             sizeOf(r, "ibvf") + " (standalone " + sizeOf(r, "ibvf-ipam") + ", not exec'd)",
                             sizeOf(r, "host-device") + " + " + sizeOf(r, "host-local"),
                             sizeOf(r, "ip") + " / " + sizeOf(r, "ibvf-bench-mover") + " / n/a / n/a"});
    if (!r.ablateStateDir.empty()) {
        const auto alt = [](const std::string& k) { return k + kAltSuffix; };
        const auto both = [&](auto cell) { return std::vector<std::string>{cell(kIbvfHostLocal), cell(kIbvfInProcess)}; };
        s += "\nAblation, same run: ibvf's state (attachments, claims, ibvf-ipam leases, host-local's files) in " + r.ablateStateDir +
             " instead of the default temp dir.\n\n";
        s += row("operation", both([&](const std::string& k) { return r.labels.at(alt(k)); }));
        s += "|---|---|---|\n";
        s += row("ADD median / mean",
                 both([&](const std::string& k) { return fixed(at(r.add, alt(k)).median()) + " / " + fixed(at(r.add, alt(k)).mean()); }));
        s += row("same, state in the default temp dir",
                 both([&](const std::string& k) { return fixed(at(r.add, k).median()) + " / " + fixed(at(r.add, k).mean()); }));
        s += row("DEL median / mean",
                 both([&](const std::string& k) { return fixed(at(r.del, alt(k)).median()) + " / " + fixed(at(r.del, alt(k)).mean()); }));
        s += row("same, state in the default temp dir",
                 both([&](const std::string& k) { return fixed(at(r.del, k).median()) + " / " + fixed(at(r.del, k).mean()); }));
        s += row("ADD median - `ip` floor",
                 both([&](const std::string& k) { return signedMs(at(r.add, alt(k)).median() - ipAdd.median()); }));
    }
    if (!r.compareKey.empty()) {
        const std::vector<std::string> both = {kIbvfInProcess, r.compareKey};
        const auto cells = [&](auto cell) {
            std::vector<std::string> v;
            for (const auto& k : both) v.push_back(cell(k));
            return v;
        };
        s += "\nComparison, same run: ibvf (ibvf-ipam) of this build and of another.\n\n";
        s += row("operation", cells([&](const std::string& k) { return r.labels.at(k); }));
        s += "|---|---|---|\n";
        s += row("ADD median / mean",
                 cells([&](const std::string& k) { return fixed(at(r.add, k).median()) + " / " + fixed(at(r.add, k).mean()); }));
        s += row("DEL median / mean",
                 cells([&](const std::string& k) { return fixed(at(r.del, k).median()) + " / " + fixed(at(r.del, k).mean()); }));
        s +=
            row("ADD / DEL CPU, median",
                cells([&](const std::string& k) { return fixed(at(r.add, k).medianCpuMs()) + " / " + fixed(at(r.del, k).medianCpuMs()); }));
    }
    s += burstReport(r);
    s += "\nTargets:\n\n";
    for (const auto& t : targets)
        s += std::string("- ") + (t.met ? "**met**" : "**MISSED**") + " (" + t.source + ") " + t.what + ": " + t.measured + "\n";
    return s;
}

void writeJsonReport(const std::filesystem::path& path, const Results& r, const std::vector<Target>& targets) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    const auto key = [&](const std::string& k) { w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size())); };
    const auto str = [&](const std::string& v) { w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size())); };
    const auto numbers = [&](const std::vector<double>& values) {
        w.StartArray();
        for (double v : values) w.Double(v);
        w.EndArray();
    };
    const auto series = [&](const std::map<std::string, Samples>& m) {
        w.StartObject();
        for (const auto& [name, samples] : m) {
            key(name);
            w.StartObject();
            key("median_ms");
            w.Double(samples.median());
            key("p95_ms");
            w.Double(samples.p95());
            key("mean_ms");
            w.Double(samples.mean());
            key("wall_ms");
            numbers(samples.wallMs);
            if (!samples.maxRssKb.empty()) {
                key("median_max_rss_kb");
                w.Double(samples.medianRssKb());
                key("max_rss_kb");
                numbers(samples.maxRssKb);
                key("median_cpu_ms");
                w.Double(samples.medianCpuMs());
                key("cpu_ms");
                numbers(samples.cpuMs);
            }
            w.EndObject();
        }
        w.EndObject();
    };

    w.StartObject();
    key("config");
    w.StartObject();
    key("iterations");
    w.Int(r.iterations);
    key("warmup_rounds");
    w.Int(r.warmupRounds);
    key("version_runs");
    w.Int(r.versionRuns);
    key("settle_ms");
    w.Int(r.settleMs);
    key("kernel");
    str(r.kernel);
    key("ablate_state_dir");
    str(r.ablateStateDir);
    key("pod_life_ms");
    w.Int(r.podLifeMs);
    key("burst_size");
    w.Int(r.burstSize);
    key("burst_rounds");
    w.Int(r.burstRounds);
    key("burst_loadavg_before");
    str(r.burstLoadBefore);
    key("burst_loadavg_after");
    str(r.burstLoadAfter);
    key("loadavg_before");
    str(r.loadBefore);
    key("loadavg_after");
    str(r.loadAfter);
    w.EndObject();
    key("labels");
    w.StartObject();
    for (const auto& [k, label] : r.labels) {
        key(k);
        str(label);
    }
    w.EndObject();
    key("add");
    series(r.add);
    key("del");
    series(r.del);
    key("check");
    series(r.check);
    const auto bursts = [&](const std::map<std::string, Burst>& m) {
        w.StartObject();
        for (const auto& [name, b] : m) {
            key(name);
            w.StartObject();
            key("wall_ms");
            numbers(b.wallMs);
            key("op_ms");
            numbers(b.ops.wallMs);
            w.EndObject();
        }
        w.EndObject();
    };
    key("burst_add");
    bursts(r.burstAdd);
    key("burst_del");
    bursts(r.burstDel);
    key("version");
    series(r.version);
    key("version_binaries");
    w.StartObject();
    for (const auto& [k, p] : r.versionBinaries) {
        key(k);
        str(p.string());
    }
    w.EndObject();
    key("sizes");
    w.StartObject();
    for (const auto& [k, size] : r.sizes) {
        key(k);
        w.StartObject();
        key("path");
        str(size.path.string());
        key("bytes");
        w.Uint64(size.bytes);
        w.EndObject();
    }
    w.EndObject();
    key("targets");
    w.StartArray();
    for (const auto& t : targets) {
        w.StartObject();
        key("source");
        str(t.source);
        key("what");
        str(t.what);
        key("measured");
        str(t.measured);
        key("met");
        w.Bool(t.met);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << buffer.GetString() << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

void writePlotData(const std::filesystem::path& path, const Results& r) {
    // Two data sets (gnuplot's `index`): 0, the single-pod calls, a median and a p95 column per
    // contender; 1, the bursts, the median wall per contender. The load averages ride in comments
    // for the chart's titles.
    std::string out = "# load " + r.loadBefore + " / " + r.loadAfter + "\n# burst-load " + r.burstLoadBefore + " / " + r.burstLoadAfter +
                      "\n# burst-size " + std::to_string(r.burstSize) + "\n";
    const std::vector<std::string> columns = {kIbvfInProcess, kIbvfHostLocal, kHostDevice, kFloorExec, kFloorNetlink, kFloorNetlinkSpawn};
    out += "# operation";
    for (const auto& key : columns) out += " \"" + r.labels.at(key) + "\" \"p95\"";
    out += "\n";
    const auto line = [&](const char* op, const std::map<std::string, Samples>& series) {
        out += op;
        for (const auto& key : columns) {
            const auto it = series.find(key);
            if (it == series.end() || it->second.wallMs.empty())
                out += " NaN NaN";
            else
                out += " " + fixed(it->second.median()) + " " + fixed(it->second.p95());
        }
        out += "\n";
    };
    line("ADD", r.add);
    line("DEL", r.del);
    line("CHECK", r.check);
    out += "\n\n# operation";
    const std::vector<std::string> burstColumns = {kIbvfInProcess, kIbvfHostLocal, kHostDevice, kFloorExec, kFloorNetlink};
    for (const auto& key : burstColumns) out += " \"" + r.labels.at(key) + "\"";
    out += "\n";
    const auto burstLine = [&](const char* op, const std::map<std::string, Burst>& bursts) {
        out += op;
        for (const auto& key : burstColumns) {
            const auto& b = burstAt(bursts, key);
            out += b.wallMs.empty() ? std::string(" NaN") : " " + fixed(percentile(b.wallMs, 0.5));
        }
        out += "\n";
    };
    burstLine("ADD", r.burstAdd);
    burstLine("DEL", r.burstDel);
    std::ofstream file(path);
    file << out;
    if (!file) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace ibvf::bench
