// ibvf-device-plugin: the kubelet device plugin for InfiniBand VFs (sriov mode) and shared HCAs
// (hca mode). Exit codes: 0 stopped by signal, 1 runtime failure, 2 bad usage or config.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <malloc.h>
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "cli/CommandLine.hpp"
#include "deviceplugin/Config.hpp"
#include "deviceplugin/Daemon.hpp"
#include "log/Logging.hpp"
#include "metrics/ListenAddress.hpp"
#include "node/NodePaths.hpp"

namespace {

namespace fs = std::filesystem;

const ibvf::cli::Program kProgram{
    "ibvf-device-plugin",
    "the kubelet device plugin for InfiniBand VFs (sriov mode) and shared HCAs (hca mode)",
    {},
    {},
    "exit codes: 0 stopped by SIGTERM or SIGINT, 1 runtime failure, 2 bad usage or config\n"
    "environment: IBVF_KUBELET_DIR moves the default --device-plugin-dir (tests)",
    {},
    {},
};

std::chrono::seconds positiveSeconds(const std::string& text) {
    const auto v = ibvf::cli::parseWholeNumber(text);
    if (!v || *v <= 0) throw std::invalid_argument("wants a whole number of seconds above 0, got \"" + text + "\"");
    return std::chrono::seconds(*v);
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

    const std::vector<ibvf::cli::Option> cliOptions = {
        ibvf::cli::pathOption("--config", "PATH",
                              std::string("the device plugin's config (default ") + ibvf::node::kDevicePluginConfig + ")",
                              options.configPath),
        ibvf::cli::pathOption("--device-plugin-dir", "DIR",
                              "kubelet's device plugin directory (default " + options.pluginDir.string() + ")", options.pluginDir),
        {"--registration-mode", "MODE",
         "kubelet-sock (the default: Register on <device-plugin-dir>/kubelet.sock) or\n"
         "plugins-registry (sockets in --plugins-registry-dir, found by kubelet's plugin watcher)",
         [&](const std::string& v) {
             if (v != "kubelet-sock" && v != "plugins-registry")
                 throw std::invalid_argument("wants kubelet-sock or plugins-registry, got \"" + v + "\"");
             options.registrationMode =
                 v == "kubelet-sock" ? ibvf::dp::RegistrationMode::KubeletSock : ibvf::dp::RegistrationMode::PluginsRegistry;
         }},
        {"--plugins-registry-dir", "DIR", "default <device-plugin-dir>/../plugins_registry",
         [&](const std::string& v) { pluginsRegistryDir = v; }},
        {"--pod-resources-socket", "PATH", "default <device-plugin-dir>/../pod-resources/kubelet.sock",
         [&](const std::string& v) { podResourcesSocket = v; }},
        {"--reclaim-interval", "SECONDS",
         "seconds between asking kubelet which VFs containers hold (default " + std::to_string(options.reclaimInterval.count()) + ")",
         [&](const std::string& v) { options.reclaimInterval = positiveSeconds(v); }},
        {"--metrics-address", "HOST:PORT",
         "serve Prometheus metrics (/metrics) and probes (/healthz, /readyz), e.g. 0.0.0.0:9809\n"
         "or [::1]:9809; overrides the config's metricsAddress (default off)",
         [&](const std::string& v) {
             (void)ibvf::metrics::parseListenAddress(v);  // throws std::invalid_argument with the reason
             options.metricsAddress = v;
         }},
        {"--log-level", "LEVEL", "trace, debug, info (the default), warn, error or off", [&](const std::string& v) { log.level = v; }},
        {"--log-file", "PATH", "also log to PATH",
         [&](const std::string& v) {
             log.file = v;
             log.fileTrusted = true;  // the DaemonSet's command line: the cluster admin's
         }},
    };
    if (const int rc = ibvf::cli::handle(kProgram, cliOptions, argc, argv, std::cout, std::cerr); rc >= 0) return rc;
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
