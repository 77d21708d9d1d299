#pragma once
// A TCP socket on 127.0.0.1, on a port the kernel picked: a free port to hand to a server, a port
// that refuses connections (bound, not listening), or a listener of the test's own.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "linux/Fd.hpp"

namespace ibvf::test {

struct LoopbackSocket {
    linux::Fd fd;
    std::uint16_t port = 0;

    // `backlog` > 0: listening (connections complete in the kernel even if never accepted);
    // 0: only bound, so connecting to it is refused.
    static LoopbackSocket open(int backlog) {
        LoopbackSocket s;
        s.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a = address(0);
        socklen_t len = sizeof a;
        if (!s.fd || ::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            (backlog > 0 && ::listen(s.fd.get(), backlog) != 0) || ::getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            throw std::runtime_error("loopback socket");
        }
        s.port = ntohs(a.sin_port);
        return s;
    }

    static sockaddr_in address(std::uint16_t port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        return a;
    }

    std::string httpEndpoint() const { return "http://127.0.0.1:" + std::to_string(port); }
};

}  // namespace ibvf::test
