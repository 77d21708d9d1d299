#pragma once
// What a run measured, the targets of issues 2, 3 and 17 judged against it, and the two outputs:
// a markdown table for people and a JSON file with every raw sample for tools.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "Samples.hpp"

namespace ibvf::bench {

// Contender keys (Contenders.cpp) and VERSION keys the report knows how to lay out.
namespace keys {
inline constexpr const char* kIbvfHostLocal = "ibvf-host-local";
inline constexpr const char* kIbvfInProcess = "ibvf-ibvf-ipam";
inline constexpr const char* kHostDevice = "host-device";
inline constexpr const char* kFloorIp = "floor-ip";
inline constexpr const char* kFloorNetlink = "floor-netlink";
inline constexpr const char* kFloorNetlinkSpawn = "floor-netlink-spawn";
inline constexpr const char* kFloorExec = "floor-exec";
inline constexpr const char* kTrue = "true";
inline constexpr const char* kIbvf = "ibvf";
inline constexpr const char* kAltSuffix = "-alt";  // the same contender with --ablate-state-dir
}  // namespace keys

struct BinarySize {
    std::string name;
    std::filesystem::path path;
    std::uintmax_t bytes = 0;
};

// N operations started together (the node-full case, Burst.hpp).
struct Burst {
    std::vector<double> wallMs;  // per burst: from the start signal to the end of its last operation
    Samples ops;                 // every operation's own time
};

struct Results {
    int iterations = 0;
    int warmupRounds = 0;
    int versionRuns = 0;
    int settleMs = 0;
    std::string kernel;
    std::string loadBefore;                     // /proc/loadavg when the run started and ended: a busy machine
    std::string loadAfter;                      // (parallel builds, other benchmarks) makes every number noisy
    std::map<std::string, std::string> labels;  // contender key -> label
    std::map<std::string, Samples> add;         // contender key -> samples
    std::map<std::string, Samples> del;
    std::map<std::string, Samples> check;    // CNI contenders only
    std::map<std::string, Samples> version;  // "ibvf", "host-device", "true"
    std::map<std::string, std::filesystem::path> versionBinaries;
    std::map<std::string, BinarySize> sizes;  // "ibvf", "ibvf-ipam", "host-device", "host-local", "ip"
    std::string ablateStateDir;               // empty: no ablation contenders
    std::string compareKey;                   // empty: no --compare-ibvf contender
    int podLifeMs = 0;
    int burstSize = 0;  // 0: no bursts
    int burstRounds = 0;
    std::string burstLoadBefore;
    std::string burstLoadAfter;
    std::map<std::string, Burst> burstAdd;  // contender key -> bursts
    std::map<std::string, Burst> burstDel;
};

struct Target {
    std::string source;  // "issue 2", "issue 3", "issue 17"
    std::string what;
    std::string measured;
    bool met = false;
};

std::vector<Target> judgeTargets(const Results& results);
std::string markdownReport(const Results& results, const std::vector<Target>& targets);
// Throws std::runtime_error when the file cannot be written.
// Medians and p95 per operation (rows) and contender (columns), for bench/plot.gp. Throws
// std::runtime_error when the file cannot be written.
void writePlotData(const std::filesystem::path& path, const Results& results);
void writeJsonReport(const std::filesystem::path& path, const Results& results, const std::vector<Target>& targets);

}  // namespace ibvf::bench
