#include "BenchOptions.hpp"

#include <unistd.h>

#include "CommandLine.hpp"

namespace ibvf::bench {
namespace {

std::filesystem::path defaultIp() {
    for (const char* candidate : {"/usr/sbin/ip", "/sbin/ip"})
        if (::access(candidate, X_OK) == 0) return candidate;
    return "/usr/sbin/ip";  // the existence check names it
}

}  // namespace

const char* usage() {
    return "usage: ibvf-bench-plugin [--iterations N] [--version-runs N] [--settle-ms N] [--json FILE]\n"
           "                         [--plot-data FILE] [--pod-life-ms N] [--burst N] [--burst-rounds N]\n"
           "                         [--build-dir DIR] [--cni-dir DIR] [--ip PATH] [--true PATH]\n"
           "                         [--ablate-state-dir DIR] [--compare-ibvf BINARY]\n"
           "Runs ibvf (host-local and ibvf-ipam), Go host-device + host-local and four floors (`ip link\n"
           "set netns` exec'd; ibvf-bench-mover exec'd, moving and configuring the pod's interface and\n"
           "nothing else; the bare move as one call in-process; the same right after /bin/true ran,\n"
           "untimed, as a runtime starts a plugin before its move) side by side on fresh veth stand-ins\n"
           "and namespaces, interleaved; prints a markdown table.\n"
           "Needs root. Defaults: 40 iterations, 300 VERSION runs, 100 ms settle, binaries from\n" IBVF_BUILD_DIR
           " and /usr/lib/cni.\n"
           "State (ibvf's, the IPAM stores, the fake sysfs) goes to a fresh directory under $TMPDIR\n"
           "(default /tmp). --ablate-state-dir /dev/shm adds both ibvf contenders a second time with\n"
           "their state there, interleaved with the rest: what the state directory's fsyncs cost.\n"
           "--compare-ibvf BINARY adds ibvf (ibvf-ipam) run from another build, interleaved: A/B of a change.\n"
           "--pod-life-ms N pauses N ms (untimed) between each CHECK and its DEL, as a pod lives before\n"
           "its DEL (default 50; a DEL right after its ADD waits for the ADD's RCU grace period, so\n"
           "with 0 a contender with a quicker CHECK gets a slower DEL: bench/notes/floor.md).\n"
           "The node-full case: --burst N (default 32, 0: none) concurrent ADDs on N stand-in VFs and\n"
           "namespaces, then N concurrent DELs, --burst-rounds times (default 5) for each of ibvf\n"
           "(ibvf-ipam), ibvf (host-local), host-device + host-local and N floors (exec'd, in-process), interleaved.\n";
}

BenchOptions parseOptions(int argc, char** argv) {
    BenchOptions o;
    o.help = !parseCommandLine(
        argc, argv,
        {intOption("--iterations", o.iterations, 1), intOption("--version-runs", o.versionRuns, 1), intOption("--settle-ms", o.settleMs, 0),
         intOption("--pod-life-ms", o.podLifeMs, 0), intOption("--burst", o.burstSize, 0), intOption("--burst-rounds", o.burstRounds, 1),
         pathOption("--json", o.jsonPath), pathOption("--plot-data", o.plotDataPath), pathOption("--build-dir", o.buildDir),
         pathOption("--cni-dir", o.cniDir), pathOption("--ip", o.ip), pathOption("--true", o.trueBinary),
         pathOption("--ablate-state-dir", o.ablateStateDir), pathOption("--compare-ibvf", o.compareIbvf)});
    if (o.ip.empty()) o.ip = defaultIp();
    return o;
}

}  // namespace ibvf::bench
