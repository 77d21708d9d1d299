#include "metrics/HttpMessage.hpp"

#include <algorithm>

namespace ibvf::metrics {
namespace {

bool isTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

HeadResult bad(std::string error) {
    HeadResult r;
    r.status = HeadStatus::Bad;
    r.error = std::move(error);
    return r;
}

}  // namespace

HeadResult parseRequestHead(std::string_view received, std::size_t limit) {
    // Lines end in CRLF; a bare LF is accepted as RFC 9112 section 2.2 allows.
    std::size_t end = received.find("\r\n\r\n");
    std::size_t endLen = 4;
    if (const std::size_t lf = received.find("\n\n"); lf != std::string_view::npos && (end == std::string_view::npos || lf < end)) {
        end = lf;
        endLen = 2;
    }
    if (end == std::string_view::npos || end + endLen > limit) {
        if (received.size() >= limit) {
            HeadResult r;
            r.status = HeadStatus::TooLarge;
            r.error = "request head larger than " + std::to_string(limit) + " bytes";
            return r;
        }
        return {};
    }
    const std::string_view head = received.substr(0, end);
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= head.size();) {
        std::size_t nl = head.find('\n', pos);
        if (nl == std::string_view::npos) nl = head.size();
        std::string_view line = head.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        pos = nl + 1;
    }
    const std::string_view requestLine = lines.front();
    const std::size_t sp1 = requestLine.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : requestLine.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || requestLine.find(' ', sp2 + 1) != std::string_view::npos)
        return bad("malformed request line: expected METHOD TARGET HTTP/1.x");
    const std::string_view method = requestLine.substr(0, sp1);
    const std::string_view target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = requestLine.substr(sp2 + 1);
    if (method.empty() || !std::all_of(method.begin(), method.end(), isTokenChar)) return bad("malformed method");
    if (target.empty() || target.front() != '/') return bad("the target must be an absolute path such as /metrics");
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad("unsupported HTTP version (HTTP/1.0 or 1.1)");
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::size_t colon = lines[i].find(':');
        if (colon == 0 || colon == std::string_view::npos) return bad("malformed header line");
        const std::string_view name = lines[i].substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), isTokenChar)) return bad("malformed header name");
    }
    HeadResult r;
    r.status = HeadStatus::Complete;
    r.request.method = std::string(method);
    r.request.path = std::string(target.substr(0, target.find('?')));
    return r;
}

std::string_view reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

std::size_t HttpResponse::bodySize() const {
    std::size_t n = body.size();
    for (const auto& part : moreBody) n += part.size();
    return n;
}

std::string serializeHead(const HttpResponse& response) {
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(reasonPhrase(response.status)) +
                      "\r\nContent-Type: " + response.contentType + "\r\nContent-Length: " + std::to_string(response.bodySize()) +
                      "\r\nConnection: close\r\n";
    for (const auto& [k, v] : response.headers) out += k + ": " + v + "\r\n";
    out += "\r\n";
    return out;
}

std::string serializeResponse(const HttpResponse& response, bool headOnly) {
    std::string out = serializeHead(response);
    if (headOnly) return out;
    out += response.body;
    for (const auto& part : response.moreBody) out += part;
    return out;
}

}  // namespace ibvf::metrics
