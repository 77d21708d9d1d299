// ibvf-cni-installer: the CNI DaemonSet's container. Copies ibvf and ibvf-ipam into the node's
// CNI directory (atomically, verified), then stays running until SIGTERM so the DaemonSet shows
// the node as done and a new image version re-runs the copy. It is a C++ program and not a shell
// script because the image has no shell (it ships only the binaries and their libraries).
// Exit codes: 0 stopped by SIGTERM/SIGINT (or --once after installing), 1 install failed,
// 2 bad usage.
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "CniInstall.hpp"
#include "cli/CommandLine.hpp"
#include "log/Logging.hpp"

namespace {

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
    const ibvf::cli::Program program{
        "ibvf-cni-installer",
        "copies the ibvf CNI binaries into the node's CNI directory, then waits for SIGTERM",
        "[BINARY...]",
        [&](const std::string& binary) { request.binaries.emplace_back(binary); },
        "BINARY: file names to install (default: ibvf ibvf-ipam ibvf-ipam-etcd)\n"
        "exit codes: 0 stopped by SIGTERM or SIGINT (or --once after installing), 1 install failed, 2 bad usage",
        {},
        {},
    };
    const std::vector<ibvf::cli::Option> options = {
        ibvf::cli::pathOption("--source-dir", "DIR", "where the binaries are (default " + request.sourceDir.string() + ")",
                              request.sourceDir),
        ibvf::cli::pathOption("--dest-dir", "DIR", "the node's CNI bin directory as mounted (default " + request.destDir.string() + ")",
                              request.destDir),
        ibvf::cli::switchOption("--once", "exit after installing instead of waiting for SIGTERM", once),
    };
    if (const int rc = ibvf::cli::handle(program, options, argc, argv, std::cout, std::cerr); rc >= 0) return rc;
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
