#include "diag/SocketProbe.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "linux/Fd.hpp"

namespace ibvf::diag {

std::string_view socketStateName(SocketState state) {
    switch (state) {
        case SocketState::Listening:
            return "listening";
        case SocketState::NotListening:
            return "not-listening";
        case SocketState::Missing:
            return "missing";
    }
    return "missing";
}

SocketState probeUnixSocket(const std::filesystem::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? SocketState::Missing : SocketState::NotListening;
    if (!S_ISSOCK(st.st_mode)) return SocketState::NotListening;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string text = path.string();
    if (text.size() >= sizeof addr.sun_path) return SocketState::NotListening;
    std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
    linux::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return SocketState::NotListening;
    int rc;
    do {
        rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? SocketState::Listening : SocketState::NotListening;
}

}  // namespace ibvf::diag
