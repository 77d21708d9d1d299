#pragma once
// Registration.Register with kubelet over its unix socket.
#include <chrono>
#include <filesystem>
#include <string>

#include "deviceplugin/Config.hpp"

namespace ibvf::dp {

inline constexpr const char* kDevicePluginApiVersion = "v1beta1";

// Throws std::runtime_error with the gRPC status and the socket path when kubelet refuses or
// does not answer within `timeout`.
void registerWithKubelet(const std::filesystem::path& kubeletSocket, const std::string& endpoint, const ResourceConfig& resource,
                         std::chrono::milliseconds timeout);

}  // namespace ibvf::dp
