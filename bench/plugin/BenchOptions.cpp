#include "BenchOptions.hpp"

#include <stdexcept>
#include <string_view>
#include <unistd.h>

namespace ibvf::bench {
namespace {

int positive(std::string_view flag, const std::string& text, int min) {
    std::size_t used = 0;
    int value = 0;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || value < min)
        throw std::invalid_argument(std::string(flag) + " wants an integer >= " + std::to_string(min) + ", got \"" + text + "\"");
    return value;
}

std::filesystem::path defaultIp() {
    for (const char* candidate : {"/usr/sbin/ip", "/sbin/ip"})
        if (::access(candidate, X_OK) == 0) return candidate;
    return "/usr/sbin/ip";  // the existence check names it
}

}  // namespace

const char* usage() {
    return "usage: ibvf-bench-plugin [--iterations N] [--version-runs N] [--settle-ms N] [--json FILE]\n"
           "                         [--plot-data FILE]\n"
           "                         [--build-dir DIR] [--cni-dir DIR] [--ip PATH] [--true PATH]\n"
           "                         [--ablate-state-dir DIR]\n"
           "Runs ibvf (host-local and ibvf-ipam), Go host-device + host-local and the bare netns move\n"
           "side by side on fresh veth stand-ins and namespaces, interleaved; prints a markdown table.\n"
           "Needs root. Defaults: 40 iterations, 300 VERSION runs, 100 ms settle, binaries from\n"
           IBVF_BUILD_DIR " and /usr/lib/cni.\n"
           "State (ibvf's, the IPAM stores, the fake sysfs) goes to a fresh directory under $TMPDIR\n"
           "(default /tmp). --ablate-state-dir /dev/shm adds both ibvf contenders a second time with\n"
           "their state there, interleaved with the rest: what the state directory's fsyncs cost.\n";
}

BenchOptions parseOptions(int argc, char** argv) {
    BenchOptions o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "-h" || flag == "--help") {
            o.help = true;
            continue;
        }
        if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value (see --help)");
        const std::string value = argv[++i];
        if (flag == "--iterations") o.iterations = positive(flag, value, 1);
        else if (flag == "--version-runs") o.versionRuns = positive(flag, value, 1);
        else if (flag == "--settle-ms") o.settleMs = positive(flag, value, 0);
        else if (flag == "--json") o.jsonPath = value;
        else if (flag == "--plot-data") o.plotDataPath = value;
        else if (flag == "--build-dir") o.buildDir = value;
        else if (flag == "--cni-dir") o.cniDir = value;
        else if (flag == "--ip") o.ip = value;
        else if (flag == "--true") o.trueBinary = value;
        else if (flag == "--ablate-state-dir") o.ablateStateDir = value;
        else throw std::invalid_argument("unknown option " + std::string(flag) + " (see --help)");
    }
    if (o.ip.empty()) o.ip = defaultIp();
    return o;
}

}  // namespace ibvf::bench
