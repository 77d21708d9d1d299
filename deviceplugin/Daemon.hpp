#pragma once
// The long-running part: serve every resource, register with kubelet (again whenever its socket
// is re-created), refresh devices and health on link events, sriov_numvfs changes and config
// edits, and stop cleanly on SIGTERM/SIGINT.
#include <chrono>
#include <filesystem>
#include <string>

#include "deviceplugin/Config.hpp"

namespace ibvf::dp {

// kubelet-sock: Registration.Register on <pluginDir>/kubelet.sock, our sockets beside it (every
// kubelet). plugins-registry: our sockets in <pluginsRegistryDir>, found by kubelet's plugin
// watcher (kubelet marks kubelet.sock registration deprecated in recent releases).
enum class RegistrationMode { KubeletSock, PluginsRegistry };

struct DaemonOptions {
    std::filesystem::path configPath;
    std::filesystem::path pluginDir;  // where kubelet.sock lives and, in kubelet-sock mode, our sockets go
    RegistrationMode registrationMode = RegistrationMode::KubeletSock;
    std::filesystem::path pluginsRegistryDir;         // our sockets in plugins-registry mode
    std::filesystem::path podResourcesSocket;         // kubelet's pod-resources API, for reclaiming records
    std::chrono::milliseconds refreshInterval{1000};  // bound on noticing numvfs / PCI changes
    std::chrono::seconds reclaimInterval{30};         // how often kubelet is asked which VFs are held
    std::chrono::seconds recordGrace{120};            // records younger than this are never reclaimed
    std::string metricsAddress;                       // --metrics-address: overrides the config's metricsAddress when set

    std::filesystem::path socketDir() const { return registrationMode == RegistrationMode::KubeletSock ? pluginDir : pluginsRegistryDir; }
};

// SIGTERM, SIGINT and SIGHUP must already be blocked in every thread (call blockStopSignals()
// first thing in main, before any thread exists). Returns the exit code: 0 after a stop signal.
int runDaemon(const DaemonOptions& options, Config config);

void blockStopSignals();

}  // namespace ibvf::dp
