#pragma once
// The long-running part: serve every resource, register with kubelet (again whenever its socket
// is re-created), refresh devices and health on link events, sriov_numvfs changes and config
// edits, and stop cleanly on SIGTERM/SIGINT.
#include <chrono>
#include <filesystem>

#include "deviceplugin/Config.hpp"

namespace ibvf::dp {

struct DaemonOptions {
    std::filesystem::path configPath;
    std::filesystem::path pluginDir;   // where kubelet.sock lives and our sockets go
    std::chrono::milliseconds refreshInterval{1000};  // bound on noticing numvfs / PCI changes
};

// SIGTERM, SIGINT and SIGHUP must already be blocked in every thread (call blockStopSignals()
// first thing in main, before any thread exists). Returns the exit code: 0 after a stop signal.
int runDaemon(const DaemonOptions& options, Config config);

void blockStopSignals();

}  // namespace ibvf::dp
