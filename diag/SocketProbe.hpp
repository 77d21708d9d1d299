#pragma once
// Whether a unix socket is served: kubelet's device plugin sockets are files that outlive the
// process that made them, so existence alone does not say the device plugin is running.
#include <filesystem>
#include <string_view>

namespace ibvf::diag {

enum class SocketState { Listening, NotListening, Missing };
std::string_view socketStateName(SocketState state);  // "listening", "not-listening", "missing"

// Missing: no file. NotListening: a file that is not a socket, or a socket whose connect(2)
// fails (ECONNREFUSED when its server is gone). Connecting and closing at once is harmless to a
// gRPC server.
SocketState probeUnixSocket(const std::filesystem::path& path);

}  // namespace ibvf::diag
