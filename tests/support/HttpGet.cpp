#include "support/HttpGet.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "linux/Fd.hpp"
#include "support/LoopbackSocket.hpp"

namespace ibvf::test {

HttpReply httpExchange(std::uint16_t port, const std::string& rawRequest, std::chrono::milliseconds timeout) {
    linux::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in a = LoopbackSocket::address(port);
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    if (::send(fd.get(), rawRequest.data(), rawRequest.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(rawRequest.size()))
        throw std::runtime_error("send to 127.0.0.1:" + std::to_string(port) + " failed");
    const auto end = std::chrono::steady_clock::now() + timeout;
    std::string all;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error("no complete HTTP answer within the timeout");
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[65536];
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n <= 0) break;
        all.append(buf, static_cast<std::size_t>(n));
    }
    HttpReply r;
    if (all.rfind("HTTP/1.1 ", 0) == 0 && all.size() >= 12) r.status = std::stoi(all.substr(9, 3));
    const auto split = all.find("\r\n\r\n");
    r.head = all.substr(0, split);
    if (split != std::string::npos) {
        r.body = std::move(all);  // not copied again: a scrape's body is megabytes
        r.body.erase(0, split + 4);
    }
    return r;
}

HttpReply httpGet(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
    return httpExchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ibvf-test\r\nConnection: close\r\n\r\n",
                        timeout);
}

}  // namespace ibvf::test
