#include "etcd/TcpStream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace ibvf::etcd {
namespace {

[[noreturn]] void fail(const std::string& peer, const char* step, int err) {
    throw TransportError(std::string(step) + " " + peer + ": " + std::strerror(err));
}

}  // namespace

TcpStream TcpStream::connect(const net::IpAddress& address, std::uint16_t port, const std::string& peer, const Deadline& deadline) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (address.isV4()) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        std::memcpy(&sin->sin_addr, address.bytes().data(), 4);
        len = sizeof(sockaddr_in);
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        std::memcpy(&sin6->sin6_addr, address.bytes().data(), 16);
        len = sizeof(sockaddr_in6);
    }
    linux::Fd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) fail(peer, "socket for", errno);
    // Requests are written whole and then answered: Nagle would only hold back a request's tail.
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    TcpStream s(std::move(fd), peer);
    if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
        if (errno != EINPROGRESS) fail(peer, "connect", errno);
        s.waitReady(true, deadline, "connect");
        int err = 0;
        socklen_t errLen = sizeof err;
        if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &errLen) != 0) err = errno;
        if (err != 0) fail(peer, "connect", err);
    }
    return s;
}

void TcpStream::waitReady(bool forWrite, const Deadline& deadline, const char* step) const {
    pollfd p{fd_.get(), static_cast<short>(forWrite ? POLLOUT : POLLIN), 0};
    while (true) {
        const int timeout = deadline.pollTimeoutMs();
        if (timeout == 0) throw TransportError(std::string(step) + " " + peer_ + ": timed out");
        const int n = ::poll(&p, 1, timeout);
        if (n > 0) return;  // readiness, or an error/hang-up the next call reports
        if (n < 0 && errno != EINTR) fail(peer_, step, errno);
    }
}

void TcpStream::writeAll(std::string_view data, const Deadline& deadline) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            waitReady(true, deadline, "send to");
        } else if (errno != EINTR) {
            fail(peer_, "send to", errno);
        }
    }
}

std::size_t TcpStream::readSome(char* buf, std::size_t size, const Deadline& deadline) {
    while (true) {
        const ssize_t n = ::recv(fd_.get(), buf, size, 0);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            waitReady(false, deadline, "receive from");
        } else if (errno != EINTR) {
            fail(peer_, "receive from", errno);
        }
    }
}

}  // namespace ibvf::etcd
