#pragma once
// kubelet's pod-resources API (v1 List) over its unix socket: which device IDs are assigned to
// which containers right now.
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "deviceplugin/PodAssignments.hpp"

namespace ibvf::dp {

// Every device ID of every resource in any container of any pod kubelet lists, with its holder.
// Throws std::runtime_error with the gRPC status and the socket path when kubelet does not answer
// within `timeout` or refuses.
AssignmentMap listPodDevices(const std::filesystem::path& socket, std::chrono::milliseconds timeout);

// The IDs of listPodDevices().
std::set<std::string> listAssignedDeviceIds(const std::filesystem::path& socket, std::chrono::milliseconds timeout);

}  // namespace ibvf::dp
