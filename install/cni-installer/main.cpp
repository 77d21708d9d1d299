// ibvf-cni-installer: the CNI DaemonSet's container. Copies ibvf and ibvf-ipam into the node's
// CNI directory (atomically, verified), then stays running until SIGTERM so the DaemonSet shows
// the node as done and a new image version re-runs the copy. It is a C++ program and not a shell
// script because the image has no shell (it ships only the binaries and their libraries).
// Exit codes: 0 stopped by SIGTERM/SIGINT (or --once after installing), 1 install failed,
// 2 bad usage.
#include <csignal>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "CniInstall.hpp"
#include "cli/Version.hpp"
#include "log/Logging.hpp"

namespace {

constexpr const char* kUsage =
    "usage: ibvf-cni-installer [--source-dir DIR] [--dest-dir DIR] [--once] [BINARY...]\n"
    "       ibvf-cni-installer --version | --help\n"
    "  --source-dir  where the binaries are (default /usr/lib/cni)\n"
    "  --dest-dir    the node's CNI bin directory as mounted (default /host/opt/cni/bin)\n"
    "  --once        exit after installing instead of waiting for SIGTERM\n"
    "  BINARY        file names to install (default: ibvf ibvf-ipam ibvf-ipam-etcd)\n";

// Blocked before anything else, so the signal is queued for sigwait. This also works as PID 1 of
// a container, where an unhandled SIGTERM would be ignored by the kernel.
sigset_t stopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

int main(int argc, char** argv) {
    const sigset_t stop = stopSignals();
    sigprocmask(SIG_BLOCK, &stop, nullptr);

    ibvf::install::InstallRequest request{"/usr/lib/cni", "/host/opt/cni/bin", {}};
    bool once = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--version") {
            std::cout << ibvf::cli::versionLine("ibvf-cni-installer");
            return 0;
        } else if ((arg == "--source-dir" || arg == "--dest-dir") && i + 1 < argc) {
            (arg == "--source-dir" ? request.sourceDir : request.destDir) = argv[++i];
        } else if (arg == "--once") {
            once = true;
        } else if (!arg.empty() && arg.front() != '-') {
            request.binaries.emplace_back(arg);
        } else {
            std::cerr << "ibvf-cni-installer: bad argument " << arg << "\n" << kUsage;
            return 2;
        }
    }
    if (request.binaries.empty()) request.binaries = {"ibvf", "ibvf-ipam", "ibvf-ipam-etcd"};

    ibvf::log::LogOptions log;
    log.program = "ibvf-cni-installer";
    log.level = "info";
    ibvf::log::setup(log);

    try {
        for (const auto& outcome : ibvf::install::installBinaries(request)) {
            spdlog::info("{} {} ({} bytes)", (request.destDir / outcome.binary).string(),
                         outcome.action == ibvf::install::InstallAction::Copied ? "installed" : "already current", outcome.bytes);
        }
    } catch (const ibvf::install::InstallError& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    if (once) return 0;

    spdlog::info("installed; waiting for SIGTERM");
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {}
    spdlog::info("stopping on signal {}; the installed binaries stay for the pods that use them", sig);
    return 0;
}
