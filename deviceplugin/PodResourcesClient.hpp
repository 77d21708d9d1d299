#pragma once
// kubelet's pod-resources API (v1 List) over its unix socket: which device IDs are assigned to
// containers right now.
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

namespace ibvf::dp {

// Every device ID of every resource in any container of any pod kubelet lists. Throws
// std::runtime_error with the gRPC status and the socket path when kubelet does not answer
// within `timeout` or refuses.
std::set<std::string> listAssignedDeviceIds(const std::filesystem::path& socket, std::chrono::milliseconds timeout);

}  // namespace ibvf::dp
