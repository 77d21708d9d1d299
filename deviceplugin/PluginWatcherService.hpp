#pragma once
// Registration through kubelet's plugin watcher instead of kubelet.sock: the resource's socket
// sits in /var/lib/kubelet/plugins_registry/ and serves this beside DevicePlugin. kubelet finds
// the socket (inotify, and a scan when it starts, so a kubelet restart needs nothing from us),
// calls GetInfo, connects its device manager to the same socket and reports the outcome.
#include <atomic>
#include <string>

#include "pluginregistration.grpc.pb.h"

namespace ibvf::dp {

inline constexpr const char* kPluginWatcherDevicePluginType = "DevicePlugin";

class PluginWatcherService final : public pluginregistration::Registration::Service {
public:
    explicit PluginWatcherService(std::string resourceName) : resourceName_(std::move(resourceName)) {}

    grpc::Status GetInfo(grpc::ServerContext*, const pluginregistration::InfoRequest*, pluginregistration::PluginInfo*) override;
    grpc::Status NotifyRegistrationStatus(grpc::ServerContext*, const pluginregistration::RegistrationStatus*,
                                          pluginregistration::RegistrationStatusResponse*) override;

    // kubelet's last word: true after it reported a successful registration.
    bool registered() const { return registered_.load(); }

private:
    const std::string resourceName_;
    std::atomic<bool> registered_{false};
};

}  // namespace ibvf::dp
