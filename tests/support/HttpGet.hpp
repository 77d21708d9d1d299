#pragma once
// A blocking HTTP/1.1 client for tests: sends a request to 127.0.0.1:<port>, reads until the server
// closes, splits status and body. Throws std::runtime_error on connect failure or timeout.
#include <chrono>
#include <cstdint>
#include <string>

namespace ibvf::test {

struct HttpReply {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
};

// `rawRequest` is sent as is (tests send malformed ones); httpGet builds a well-formed GET.
HttpReply httpExchange(std::uint16_t port, const std::string& rawRequest, std::chrono::milliseconds timeout = std::chrono::seconds(5));
HttpReply httpGet(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The same into `reply`, whose body keeps its capacity from one call to the next: a client that
// fetches megabytes again and again (the device plugin's benchmark) reuses its buffer, as
// Prometheus does, instead of growing a fresh one each time.
void httpExchangeInto(std::uint16_t port, const std::string& rawRequest, HttpReply& reply,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
void httpGetInto(std::uint16_t port, const std::string& path, HttpReply& reply,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace ibvf::test
