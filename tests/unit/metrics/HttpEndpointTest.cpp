#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "linux/Fd.hpp"
#include "metrics/HttpEndpoint.hpp"
#include "metrics/HttpMessage.hpp"
#include "metrics/ListenAddress.hpp"
#include "support/HttpGet.hpp"
#include "support/LoopbackSocket.hpp"

using namespace ibvf::metrics;
using std::chrono::milliseconds;

TEST_CASE("a request head is complete at the empty line; its path drops the query") {
    CHECK(parseRequestHead("GET /metrics HTTP/1.1\r\nHost: x\r\n", 8192).status == HeadStatus::Incomplete);
    const auto r = parseRequestHead("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", 8192);
    REQUIRE(r.status == HeadStatus::Complete);
    CHECK(r.request.method == "GET");
    CHECK(r.request.path == "/metrics");
    CHECK(parseRequestHead("HEAD /healthz HTTP/1.0\n\n", 8192).request.method == "HEAD");
}

TEST_CASE("malformed heads are Bad, oversized ones TooLarge") {
    for (const char* bad : {"GET\r\n\r\n", "GET /x\r\n\r\n", "GET x HTTP/1.1\r\n\r\n", "GET /x HTTP/2\r\n\r\n", "G(T /x HTTP/1.1\r\n\r\n",
                            "GET /x HTTP/1.1\r\nno colon\r\n\r\n", "GET  /x HTTP/1.1\r\n\r\n", "GET /x HTTP/1.1\r\n: v\r\n\r\n"}) {
        CAPTURE(bad);
        CHECK(parseRequestHead(bad, 8192).status == HeadStatus::Bad);
    }
    const std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(100, 'a');
    CHECK(parseRequestHead(big, 64).status == HeadStatus::TooLarge);
    CHECK(parseRequestHead(big + "\r\n\r\n", 64).status == HeadStatus::TooLarge);
    CHECK(parseRequestHead(big + "\r\n\r\n", 8192).status == HeadStatus::Complete);
}

TEST_CASE("a response carries status, Content-Length and Connection: close; HEAD drops the body") {
    HttpResponse r;
    r.body = "ok\n";
    CHECK(serializeResponse(r, false) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
    CHECK(serializeResponse(r, true) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
}

TEST_CASE("listen addresses: IP literals with a port, IPv6 in brackets, :port for all") {
    CHECK(parseListenAddress("127.0.0.1:9101").toString() == "127.0.0.1:9101");
    CHECK(parseListenAddress("[::1]:0").toString() == "[::1]:0");
    CHECK(parseListenAddress(":9101").toString() == "[::]:9101");
    for (const char* bad :
         {"9101", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "::1:9101", "[127.0.0.1]:1", "localhost:9101", "1.2.3.4:9x"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parseListenAddress(bad), std::invalid_argument);
    }
}

namespace {

HttpEndpoint makeEndpoint(EndpointLimits limits = {}) {
    std::map<std::string, Route> routes;
    routes["/metrics"] = [] {
        HttpResponse r;
        r.body = std::string(300000, 'm');  // bigger than a socket buffer: sent over several rounds
        return r;
    };
    routes["/healthz"] = [] {
        HttpResponse r;
        r.body = "ok\n";
        return r;
    };
    routes["/parts"] = [] {
        // More parts than one sendmsg takes, together more than a socket's send buffer, and an empty one.
        HttpResponse r;
        r.body = "head-of-body\n";
        for (int i = 0; i < 150; ++i) r.moreBody.push_back(i == 7 ? std::string() : std::string(60000, static_cast<char>('a' + i % 26)));
        return r;
    };
    routes["/boom"] = []() -> HttpResponse { throw std::runtime_error("collector failed"); };
    return HttpEndpoint(parseListenAddress("127.0.0.1:0"), std::move(routes), limits);
}

// A client connected to 127.0.0.1:<port>; `receiveBuffer` (bytes, set before the connect so the
// window starts that small) when not 0.
ibvf::linux::Fd connectTo(std::uint16_t port, int receiveBuffer = 0) {
    ibvf::linux::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd);
    if (receiveBuffer != 0) REQUIRE(::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer) == 0);
    const sockaddr_in a = ibvf::test::LoopbackSocket::address(port);
    REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

// Clients that connect and then send nothing, holding a connection each.
std::vector<ibvf::linux::Fd> connectSilent(std::uint16_t port, int count) {
    std::vector<ibvf::linux::Fd> silent;
    for (int i = 0; i < count; ++i) silent.push_back(connectTo(port));
    return silent;
}

// GET `path` with a receive buffer of a few kB, read only after the server had time to fill it:
// the whole answer, head and body.
std::string slowGet(std::uint16_t port, const std::string& path) {
    const ibvf::linux::Fd fd = connectTo(port, 4096);
    const std::string request = "GET " + path + " HTTP/1.1\r\n\r\n";
    REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    std::string all;
    std::vector<char> buf(65536);
    for (int round = 0;; ++round) {
        std::this_thread::sleep_for(milliseconds(round < 5 ? 20 : 0));
        const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
        if (n <= 0) break;
        all.append(buf.data(), static_cast<std::size_t>(n));
    }
    return all;
}

}  // namespace

TEST_CASE("the endpoint serves its routes, 404 for others, 405 for other methods, 400/431 for bad heads") {
    HttpEndpoint ep = makeEndpoint();
    REQUIRE(ep.port() != 0);
    auto r = ibvf::test::httpGet(ep.port(), "/healthz");
    CHECK(r.status == 200);
    CHECK(r.body == "ok\n");
    r = ibvf::test::httpGet(ep.port(), "/metrics");
    CHECK(r.status == 200);
    CHECK(r.body.size() == 300000);
    std::string parts = "head-of-body\n";
    for (int i = 0; i < 150; ++i)
        if (i != 7) parts += std::string(60000, static_cast<char>('a' + i % 26));
    r = ibvf::test::httpGet(ep.port(), "/parts");
    CHECK(r.status == 200);
    CHECK(r.head.find("\r\nContent-Length: " + std::to_string(parts.size()) + "\r\n") != std::string::npos);
    CHECK(r.body == parts);  // whole and in order
    // A client with a small window that reads late: the server's sends stop in the middle of parts.
    const std::string slow = slowGet(ep.port(), "/parts");
    CHECK(slow.substr(slow.find("\r\n\r\n") + 4) == parts);
    r = ibvf::test::httpExchange(ep.port(), "HEAD /parts HTTP/1.1\r\n\r\n");
    CHECK(r.head.find("\r\nContent-Length: " + std::to_string(parts.size()) + "\r\n") != std::string::npos);
    CHECK(r.body.empty());
    CHECK(ibvf::test::httpGet(ep.port(), "/nope").status == 404);
    CHECK(ibvf::test::httpGet(ep.port(), "/boom").status == 500);
    r = ibvf::test::httpExchange(ep.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    CHECK(r.status == 405);
    CHECK(r.head.find("Allow: GET, HEAD") != std::string::npos);
    CHECK(ibvf::test::httpExchange(ep.port(), "GET metrics HTTP/1.1\r\n\r\n").status == 400);
    CHECK(ibvf::test::httpExchange(ep.port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a')).status == 431);
    r = ibvf::test::httpExchange(ep.port(), "HEAD /healthz HTTP/1.1\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(r.body.empty());
}

TEST_CASE("a client that connects and never sends is dropped at its deadline and blocks no one") {
    EndpointLimits limits;
    limits.deadline = milliseconds(300);
    HttpEndpoint ep = makeEndpoint(limits);
    const auto silent = connectSilent(ep.port(), 3);
    // Others are served at once, while the silent ones hang on.
    const auto start = std::chrono::steady_clock::now();
    CHECK(ibvf::test::httpGet(ep.port(), "/healthz").status == 200);
    CHECK(ibvf::test::httpGet(ep.port(), "/metrics").body.size() == 300000);
    CHECK(std::chrono::steady_clock::now() - start < milliseconds(250));
    // The silent ones are closed by the server once their deadline passed: read returns 0.
    std::this_thread::sleep_for(milliseconds(500));
    for (const auto& fd : silent) {
        char c = 0;
        CHECK(::recv(fd.get(), &c, 1, MSG_DONTWAIT) == 0);
    }
}

TEST_CASE("connections beyond the limit wait in the backlog and are served once others finish") {
    EndpointLimits limits;
    limits.deadline = milliseconds(300);
    limits.maxConnections = 2;
    HttpEndpoint ep = makeEndpoint(limits);
    const auto silent = connectSilent(ep.port(), 2);
    std::this_thread::sleep_for(milliseconds(50));  // both accepted: the endpoint is full
    const auto start = std::chrono::steady_clock::now();
    CHECK(ibvf::test::httpGet(ep.port(), "/healthz").status == 200);
    CHECK(std::chrono::steady_clock::now() - start >= milliseconds(200));  // waited for a slot
}

TEST_CASE("binding a taken port fails with the address in the message") {
    const auto taken = ibvf::test::LoopbackSocket::open(1);
    try {
        HttpEndpoint ep(parseListenAddress("127.0.0.1:" + std::to_string(taken.port)), {});
        FAIL("bound a taken port");
    } catch (const std::system_error& e) {
        CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(taken.port)) != std::string::npos);
    }
}
