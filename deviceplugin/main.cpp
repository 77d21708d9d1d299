// ibvf-device-plugin: the kubelet device plugin for InfiniBand VFs (sriov mode) and shared HCAs
// (hca mode). Exit codes: 0 stopped by signal, 1 runtime failure, 2 bad usage or config.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <malloc.h>
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "cli/Version.hpp"
#include "deviceplugin/Config.hpp"
#include "deviceplugin/Daemon.hpp"
#include "log/Logging.hpp"
#include "metrics/ListenAddress.hpp"
#include "node/NodePaths.hpp"

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: ibvf-device-plugin [--config PATH] [--device-plugin-dir DIR] [--registration-mode MODE]\n"
    "                          [--plugins-registry-dir DIR] [--pod-resources-socket PATH]\n"
    "                          [--reclaim-interval SECONDS] [--metrics-address HOST:PORT]\n"
    "                          [--log-level LEVEL] [--log-file PATH]\n"
    "       ibvf-device-plugin --version | --help\n"
    "  --config                default /etc/ibvf/device-plugin.json\n"
    "  --device-plugin-dir     default /var/lib/kubelet/device-plugins (IBVF_KUBELET_DIR overrides the default)\n"
    "  --registration-mode     kubelet-sock (default: Register on <device-plugin-dir>/kubelet.sock) or\n"
    "                          plugins-registry (sockets in --plugins-registry-dir, found by kubelet's plugin watcher)\n"
    "  --plugins-registry-dir  default <device-plugin-dir>/../plugins_registry\n"
    "  --pod-resources-socket  default <device-plugin-dir>/../pod-resources/kubelet.sock\n"
    "  --reclaim-interval      seconds between asking kubelet which VFs containers hold, default 30\n"
    "  --metrics-address       serve Prometheus metrics (/metrics) and probes (/healthz, /readyz) on HOST:PORT,\n"
    "                          e.g. 0.0.0.0:9101 or [::1]:9101; overrides the config's metricsAddress; default off\n";

std::optional<std::chrono::seconds> positiveSeconds(const std::string& text) {
    try {
        std::size_t used = 0;
        const long v = std::stol(text, &used);
        if (used != text.size() || v <= 0) return std::nullopt;
        return std::chrono::seconds(v);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool validAddress(const std::string& text) {
    try {
        (void)ibvf::metrics::parseListenAddress(text);
        return true;
    } catch (const std::invalid_argument& e) {
        std::cerr << "ibvf-device-plugin: --metrics-address: " << e.what() << "\n";
        return false;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // glibc gives each thread that allocates its own arena (up to 8 per core); gRPC's handful of
    // mostly idle threads then each keep a partly touched heap. Two arenas are plenty for a
    // daemon that serves a few calls a minute.
    mallopt(M_ARENA_MAX, 2);
    // The metrics scrape keeps one descriptor per RDMA port open between scrapes (a node's VFs can
    // pass 1024, the usual soft limit): take the hard limit, as the kernel allows any process to.
    if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &files);
    }
    // Before any thread exists, so gRPC's threads inherit the mask and the signals reach signalfd.
    ibvf::dp::blockStopSignals();

    ibvf::dp::DaemonOptions options;
    options.configPath = ibvf::node::kDevicePluginConfig;
    options.pluginDir = ibvf::node::kubeletDevicePluginsDir();
    std::optional<fs::path> pluginsRegistryDir;
    std::optional<fs::path> podResourcesSocket;
    ibvf::log::LogOptions log;
    log.program = "ibvf-device-plugin";
    log.level = "info";

    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        std::optional<std::string> v;
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--version") {
            std::cout << ibvf::cli::versionLine("ibvf-device-plugin");
            return 0;
        } else if (arg == "--config" && (v = value())) {
            options.configPath = *v;
        } else if (arg == "--device-plugin-dir" && (v = value())) {
            options.pluginDir = *v;
        } else if (arg == "--registration-mode" && (v = value()) && (*v == "kubelet-sock" || *v == "plugins-registry")) {
            options.registrationMode =
                *v == "kubelet-sock" ? ibvf::dp::RegistrationMode::KubeletSock : ibvf::dp::RegistrationMode::PluginsRegistry;
        } else if (arg == "--plugins-registry-dir" && (v = value())) {
            pluginsRegistryDir = *v;
        } else if (arg == "--pod-resources-socket" && (v = value())) {
            podResourcesSocket = *v;
        } else if (arg == "--reclaim-interval" && (v = value()) && positiveSeconds(*v)) {
            options.reclaimInterval = *positiveSeconds(*v);
        } else if (arg == "--metrics-address" && (v = value()) && validAddress(*v)) {
            options.metricsAddress = *v;
        } else if (arg == "--log-level" && (v = value())) {
            log.level = *v;
        } else if (arg == "--log-file" && (v = value())) {
            log.file = *v;
            log.fileTrusted = true;  // the DaemonSet's command line: the cluster admin's
        } else {
            std::cerr << "ibvf-device-plugin: bad argument " << arg << "\n" << kUsage;
            return 2;
        }
    }
    options.pluginsRegistryDir = pluginsRegistryDir.value_or(ibvf::node::pluginsRegistryDirOf(options.pluginDir));
    options.podResourcesSocket = podResourcesSocket.value_or(ibvf::node::podResourcesSocketOf(options.pluginDir));
    ibvf::log::setup(log);

    ibvf::dp::Config config;
    try {
        config = ibvf::dp::loadConfig(options.configPath);
    } catch (const ibvf::dp::ConfigError& e) {
        spdlog::error("{}", e.what());
        std::cerr << "ibvf-device-plugin: " << e.what() << "\n";
        return 2;
    }
    try {
        return ibvf::dp::runDaemon(options, std::move(config));
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
}
