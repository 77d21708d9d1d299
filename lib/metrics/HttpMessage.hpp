#pragma once
// The little of HTTP/1.1 (RFC 9112) a metrics endpoint needs: the request head (request line and
// header lines, up to the empty line) and a complete response with Content-Length and
// Connection: close. Request bodies are not read: every route is a GET.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::metrics {

struct HttpRequest {
    std::string method;  // "GET"
    std::string path;    // "/metrics", without the query
};

enum class HeadStatus { Incomplete, Complete, Bad, TooLarge };

struct HeadResult {
    HeadStatus status = HeadStatus::Incomplete;
    HttpRequest request;  // when Complete
    std::string error;    // when Bad or TooLarge, for the 400/431 body
};

// `received`: the bytes read so far. Complete once the empty line arrived within `limit` bytes;
// TooLarge when `limit` bytes arrived without it; Bad for a malformed request line or header line.
HeadResult parseRequestHead(std::string_view received, std::size_t limit);

struct HttpResponse {
    int status = 200;
    std::string contentType = "text/plain; charset=utf-8";
    std::string body;
    // Sent after `body`, each as it is: a scrape's megabytes go out as the families were rendered,
    // without being copied into one string first.
    std::vector<std::string> moreBody;
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow

    std::size_t bodySize() const;  // body and moreBody
};

// Status line and headers, up to and with the empty line.
std::string serializeHead(const HttpResponse& response);
// serializeHead() and (unless `headOnly`, for HEAD) the body and moreBody.
std::string serializeResponse(const HttpResponse& response, bool headOnly);

std::string_view reasonPhrase(int status);

}  // namespace ibvf::metrics
