#include "deviceplugin/PluginWatcherService.hpp"

#include <spdlog/spdlog.h>

#include "deviceplugin/KubeletRegistration.hpp"

namespace ibvf::dp {

grpc::Status PluginWatcherService::GetInfo(grpc::ServerContext*, const pluginregistration::InfoRequest*,
                                           pluginregistration::PluginInfo* info) {
    info->set_type(kPluginWatcherDevicePluginType);
    info->set_name(resourceName_);
    // Empty: kubelet's device manager connects to this very socket.
    info->set_endpoint("");
    info->add_supported_versions(kDevicePluginApiVersion);
    spdlog::debug("{}: kubelet plugin watcher asked for plugin info", resourceName_);
    return grpc::Status::OK;
}

grpc::Status PluginWatcherService::NotifyRegistrationStatus(grpc::ServerContext*, const pluginregistration::RegistrationStatus* status,
                                                            pluginregistration::RegistrationStatusResponse*) {
    registered_ = status->plugin_registered();
    if (status->plugin_registered())
        spdlog::info("registered {} through the kubelet plugin watcher", resourceName_);
    else
        spdlog::error("kubelet plugin watcher refused {}: {}", resourceName_, status->error());
    return grpc::Status::OK;
}

}  // namespace ibvf::dp
