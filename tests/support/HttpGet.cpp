#include "support/HttpGet.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "linux/Fd.hpp"
#include "support/LoopbackSocket.hpp"

namespace ibvf::test {

namespace {

std::string getRequest(const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ibvf-test\r\nConnection: close\r\n\r\n";
}

}  // namespace

void httpExchangeInto(std::uint16_t port, const std::string& rawRequest, HttpReply& reply, std::chrono::milliseconds timeout) {
    linux::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in a = LoopbackSocket::address(port);
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    if (::send(fd.get(), rawRequest.data(), rawRequest.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(rawRequest.size()))
        throw std::runtime_error("send to 127.0.0.1:" + std::to_string(port) + " failed");
    const auto end = std::chrono::steady_clock::now() + timeout;
    // The whole answer goes into reply.body (its capacity kept from the caller's earlier calls),
    // then the head is cut off its front.
    std::string& all = reply.body;
    all.clear();
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
    reply.status = all.rfind("HTTP/1.1 ", 0) == 0 && all.size() >= 12 ? std::stoi(all.substr(9, 3)) : 0;
    const auto split = all.find("\r\n\r\n");
    reply.head = all.substr(0, split);
    if (split == std::string::npos)
        all.clear();
    else
        all.erase(0, split + 4);
}

HttpReply httpExchange(std::uint16_t port, const std::string& rawRequest, std::chrono::milliseconds timeout) {
    HttpReply r;
    httpExchangeInto(port, rawRequest, r, timeout);
    return r;
}

HttpReply httpGet(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
    return httpExchange(port, getRequest(path), timeout);
}

void httpGetInto(std::uint16_t port, const std::string& path, HttpReply& reply, std::chrono::milliseconds timeout) {
    httpExchangeInto(port, getRequest(path), reply, timeout);
}

}  // namespace ibvf::test
