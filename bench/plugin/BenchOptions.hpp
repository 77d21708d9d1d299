#pragma once
// Command line of ibvf-bench-plugin.
#include <filesystem>
#include <string>

namespace ibvf::bench {

struct BenchOptions {
    int iterations = 40;                              // ADD/DEL rounds; each round runs every contender once
    int versionRuns = 300;                            // VERSION rounds; each round runs every binary once
    int settleMs = 100;                               // pause after each round's teardown (see Workload.hpp)
    int podLifeMs = 50;                               // pause between a contender's CHECK and its DEL (untimed)
    int burstSize = 32;                               // concurrent ADDs (then DELs) per burst; 0: no bursts
    int burstRounds = 5;                              // bursts per contender, interleaved
    std::filesystem::path buildDir = IBVF_BUILD_DIR;  // ibvf, ibvf-ipam
    std::filesystem::path cniDir = "/usr/lib/cni";    // Go host-device, host-local
    std::filesystem::path ip;                         // empty: /usr/sbin/ip, else /sbin/ip
    std::filesystem::path trueBinary = "/bin/true";
    std::filesystem::path jsonPath;      // empty: no JSON
    std::filesystem::path plotDataPath;  // empty: no gnuplot data (bench/plot.gp)
    // Non-empty: two more ibvf contenders keep their state here (e.g. /dev/shm), interleaved with
    // the rest, to show what the state directory's filesystem (fsync) costs.
    std::filesystem::path ablateStateDir;
    // Non-empty: one more contender, ibvf (ibvf-ipam) run from this binary (another build).
    std::filesystem::path compareIbvf;
    bool help = false;
};

// Throws std::invalid_argument with a message for the user.
BenchOptions parseOptions(int argc, char** argv);
const char* usage();

}  // namespace ibvf::bench
