// ibvf-device-plugin: the kubelet device plugin for InfiniBand VFs (sriov mode) and shared HCAs
// (hca mode). Exit codes: 0 stopped by signal, 1 runtime failure, 2 bad usage or config.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "deviceplugin/Config.hpp"
#include "deviceplugin/Daemon.hpp"
#include "log/Logging.hpp"

namespace {

constexpr const char* kUsage =
    "usage: ibvf-device-plugin [--config PATH] [--device-plugin-dir DIR] [--log-level LEVEL] [--log-file PATH]\n"
    "  --config             default /etc/ibvf/device-plugin.json\n"
    "  --device-plugin-dir  default /var/lib/kubelet/device-plugins (IBVF_KUBELET_DIR overrides the default)\n";

}  // namespace

int main(int argc, char** argv) {
    // Before any thread exists, so gRPC's threads inherit the mask and the signals reach signalfd.
    ibvf::dp::blockStopSignals();

    ibvf::dp::DaemonOptions options;
    options.configPath = "/etc/ibvf/device-plugin.json";
    const char* kubeletDir = std::getenv("IBVF_KUBELET_DIR");
    options.pluginDir = kubeletDir != nullptr && *kubeletDir != '\0' ? kubeletDir : "/var/lib/kubelet/device-plugins";
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
        } else if (arg == "--config" && (v = value())) {
            options.configPath = *v;
        } else if (arg == "--device-plugin-dir" && (v = value())) {
            options.pluginDir = *v;
        } else if (arg == "--log-level" && (v = value())) {
            log.level = *v;
        } else if (arg == "--log-file" && (v = value())) {
            log.file = *v;
        } else {
            std::cerr << "ibvf-device-plugin: bad argument " << arg << "\n" << kUsage;
            return 2;
        }
    }
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
