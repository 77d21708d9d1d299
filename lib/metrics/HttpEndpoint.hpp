#pragma once
// A small HTTP/1.1 server for metrics and health probes: one thread, poll(), non-blocking
// sockets, one request per connection (Connection: close). A connection that has not sent its
// request head within `maxRequestBytes`, or not finished within `deadline`, is dropped, so a slow
// or silent client costs others nothing beyond its own socket. GET and HEAD only (405 otherwise),
// 404 for unknown paths. Routes run on the server thread, one at a time.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "linux/Fd.hpp"
#include "metrics/HttpMessage.hpp"
#include "metrics/ListenAddress.hpp"

namespace ibvf::metrics {

struct EndpointLimits {
    std::size_t maxRequestBytes = 8192;
    std::chrono::milliseconds deadline{10000};  // whole connection: request in, response out
    std::size_t maxConnections = 64;            // further clients wait in the listen backlog
    // Once a response of megabytes is sent, hand the heap glibc keeps back to the kernel
    // (malloc_trim). Off for an owner that keeps that memory for its next response on purpose.
    bool trimAfterLargeResponses = true;
};

using Route = std::function<HttpResponse()>;

class HttpEndpoint {
public:
    // Binds and listens before returning (throws linux::KernelError naming the address), then
    // serves on its own thread until destroyed.
    HttpEndpoint(const ListenAddress& address, std::map<std::string, Route> routes, const EndpointLimits& limits = {});
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    std::uint16_t port() const { return port_; }  // the bound port (for port 0)

private:
    void serve();
    HttpResponse respond(const HeadResult& head) const;

    const std::map<std::string, Route> routes_;
    const EndpointLimits limits_;
    std::uint16_t port_ = 0;  // before listen_: listenOn() sets it
    linux::Fd listen_;
    linux::Fd stop_;  // eventfd
    std::thread thread_;
};

}  // namespace ibvf::metrics
