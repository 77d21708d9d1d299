#include "metrics/HttpEndpoint.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "linux/KernelError.hpp"

namespace ibvf::metrics {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kTrimAfterBytes = std::size_t{256} * 1024;

struct Connection {
    linux::Fd fd;
    Clock::time_point deadline;
    std::string in;
    // The response: the head, then the body's parts as the route made them (a scrape's megabytes
    // are not copied into one string), sent with one sendmsg per round.
    std::vector<std::string> out;
    std::size_t part = 0;    // the first part not sent whole
    std::size_t offset = 0;  // of it, sent
    std::size_t bytes = 0;   // of all parts
    bool responding = false;
    bool done() const { return part == out.size(); }

    void respond(std::string head, HttpResponse&& response, bool headOnly) {
        out.push_back(std::move(head));
        if (!headOnly) {
            out.push_back(std::move(response.body));
            for (auto& p : response.moreBody) out.push_back(std::move(p));
        }
        std::erase_if(out, [](const std::string& p) { return p.empty(); });
        for (const auto& p : out) bytes += p.size();
        responding = true;
    }

    // One sendmsg of what is left (at most kParts parts); false when the peer is gone.
    bool sendSome() {
        constexpr std::size_t kParts = 64;
        std::array<iovec, kParts> iov{};
        std::size_t n = 0;
        for (std::size_t i = part; i < out.size() && n < kParts; ++i, ++n) {
            const std::size_t from = i == part ? offset : 0;
            iov[n] = {out[i].data() + from, out[i].size() - from};
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = n;
        const ssize_t put = ::sendmsg(fd.get(), &msg, MSG_NOSIGNAL);
        if (put < 0) return errno == EAGAIN || errno == EINTR;
        for (auto left = static_cast<std::size_t>(put); left > 0 && part < out.size();) {
            const std::size_t step = std::min(left, out[part].size() - offset);
            offset += step;
            left -= step;
            if (offset == out[part].size()) {
                ++part;
                offset = 0;
            }
        }
        return true;
    }
};

linux::Fd listenOn(const ListenAddress& address, std::uint16_t& boundPort) {
    sockaddr_storage storage{};
    socklen_t len = 0;
    const bool v4 = address.ip.isV4();
    if (v4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(address.port);
        std::memcpy(&sin->sin_addr, address.ip.bytes().data(), 4);
        len = sizeof(sockaddr_in);
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(address.port);
        std::memcpy(&sin6->sin6_addr, address.ip.bytes().data(), 16);
        len = sizeof(sockaddr_in6);
    }
    linux::Fd fd(::socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) linux::throwErrno("metrics endpoint: socket for " + address.toString());
    const int one = 1;
    const int zero = 0;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // "[::]" serves IPv4 too, whatever net.ipv6.bindv6only says.
    if (!v4) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), len) < 0)
        linux::throwErrno("metrics endpoint: bind " + address.toString() + " (is the port taken, or the address not the node's?)");
    if (::listen(fd.get(), 64) < 0) linux::throwErrno("metrics endpoint: listen on " + address.toString());
    socklen_t got = sizeof storage;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&storage), &got) < 0) linux::throwErrno("getsockname");
    boundPort = ntohs(v4 ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    return fd;
}

}  // namespace

HttpEndpoint::HttpEndpoint(const ListenAddress& address, std::map<std::string, Route> routes, const EndpointLimits& limits)
    : routes_(std::move(routes)), limits_(limits), listen_(listenOn(address, port_)), stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!stop_) linux::throwErrno("metrics endpoint: eventfd");
    thread_ = std::thread([this] { serve(); });
}

HttpEndpoint::~HttpEndpoint() {
    const std::uint64_t one = 1;
    if (::write(stop_.get(), &one, sizeof one) < 0) spdlog::warn("metrics endpoint: cannot signal stop: {}", std::strerror(errno));
    if (thread_.joinable()) thread_.join();
}

HttpResponse HttpEndpoint::respond(const HeadResult& head) const {
    HttpResponse r;
    if (head.status == HeadStatus::TooLarge) {
        r.status = 431;
        r.body = head.error + "\n";
        return r;
    }
    if (head.status == HeadStatus::Bad) {
        r.status = 400;
        r.body = head.error + "\n";
        return r;
    }
    const auto route = routes_.find(head.request.path);
    if (route == routes_.end()) {
        r.status = 404;
        std::string known;
        for (const auto& [path, fn] : routes_) known += (known.empty() ? "" : ", ") + path;
        r.body = "no such path; this endpoint serves " + known + "\n";
        return r;
    }
    if (head.request.method != "GET" && head.request.method != "HEAD") {
        r.status = 405;
        r.headers.emplace_back("Allow", "GET, HEAD");
        r.body = "only GET and HEAD\n";
        return r;
    }
    try {
        return route->second();
    } catch (const std::exception& e) {
        spdlog::warn("metrics endpoint: {}: {}", head.request.path, e.what());
        r.status = 500;
        r.body = std::string(e.what()) + "\n";
        return r;
    }
}

void HttpEndpoint::serve() {
    std::list<Connection> conns;
    std::vector<pollfd> fds;
    std::vector<Connection*> polled;
    for (;;) {
        fds.clear();
        polled.clear();
        fds.push_back({stop_.get(), POLLIN, 0});
        fds.push_back({listen_.get(), static_cast<short>(conns.size() < limits_.maxConnections ? POLLIN : 0), 0});
        auto now = Clock::now();
        auto wake = now + std::chrono::hours(1);
        for (auto& c : conns) {
            fds.push_back({c.fd.get(), static_cast<short>(c.responding ? POLLOUT : POLLIN), 0});
            polled.push_back(&c);
            wake = std::min(wake, c.deadline);
        }
        const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1;
        const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, timeout)));
        if (n < 0 && errno != EINTR) {
            spdlog::error("metrics endpoint: poll: {}", std::strerror(errno));
            return;
        }
        if ((fds[0].revents & POLLIN) != 0) return;
        now = Clock::now();
        for (std::size_t i = 0; i < polled.size(); ++i) {
            Connection& c = *polled[i];
            const short ev = fds[i + 2].revents;
            if (ev == 0) continue;
            if (!c.responding) {
                char buf[4096];
                const ssize_t got = ::recv(c.fd.get(), buf, sizeof buf, 0);
                if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                    c.fd.reset();  // peer gone before asking
                    continue;
                }
                if (got > 0) c.in.append(buf, static_cast<std::size_t>(got));
                const HeadResult head = parseRequestHead(c.in, limits_.maxRequestBytes);
                if (head.status == HeadStatus::Incomplete) continue;
                HttpResponse response = respond(head);
                std::string responseHead = serializeHead(response);
                c.respond(std::move(responseHead), std::move(response), head.request.method == "HEAD");
                c.in.clear();
                c.in.shrink_to_fit();
            }
            if (c.responding && !c.done() && !c.sendSome()) c.fd.reset();
            if (c.fd && c.responding && c.done()) c.fd.reset();  // done: Connection: close
        }
        // Only after the connections' events: the new ones have no slot in this round's fds.
        if ((fds[1].revents & POLLIN) != 0) {
            while (conns.size() < limits_.maxConnections) {
                linux::Fd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
                if (!fd) break;
                Connection c;
                c.fd = std::move(fd);
                c.deadline = now + limits_.deadline;
                conns.push_back(std::move(c));
            }
        }
        // Closed ones and the ones past their deadline go. A large response (a scrape of hundreds
        // of VFs is megabytes) is handed back to the kernel once sent, unless the owner keeps it
        // (EndpointLimits::trimAfterLargeResponses).
        bool large = false;
        conns.remove_if([&](const Connection& c) {
            const bool gone = !c.fd || c.deadline <= now;
            large = large || (gone && c.bytes >= kTrimAfterBytes);
            return gone;
        });
        if (large && limits_.trimAfterLargeResponses) ::malloc_trim(0);
    }
}

}  // namespace ibvf::metrics
