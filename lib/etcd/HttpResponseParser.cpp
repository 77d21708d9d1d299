#include "etcd/HttpResponseParser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ibvf::etcd {
namespace {

constexpr std::size_t kMaxHead = std::size_t{64} * 1024;
constexpr std::size_t kMaxLine = std::size_t{4} * 1024;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool listsToken(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (lower(trim(value.substr(0, comma))) == token) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

bool HttpResponseParser::takeLine(std::string_view& data) {
    const auto lf = data.find('\n');
    line_.append(data.substr(0, lf == std::string_view::npos ? data.size() : lf + 1));
    data.remove_prefix(lf == std::string_view::npos ? data.size() : lf + 1);
    if (line_.size() > kMaxLine) throw HttpProtocolError("HTTP chunk line longer than " + std::to_string(kMaxLine) + " bytes");
    if (lf == std::string_view::npos) return false;
    line_.pop_back();
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    return true;
}

void HttpResponseParser::appendBody(std::string_view data) {
    if (response_.body.size() + data.size() > maxBody_) {
        throw HttpProtocolError("HTTP reply body larger than " + std::to_string(maxBody_) + " bytes");
    }
    response_.body.append(data);
}

void HttpResponseParser::finishHeadLine(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) throw HttpProtocolError("malformed HTTP header line '" + std::string(line) + "'");
    const std::string name = lower(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || (hasLength_ && n != remaining_)) {
            throw HttpProtocolError("bad Content-Length '" + std::string(value) + "'");
        }
        if (n > maxBody_) throw HttpProtocolError("HTTP reply body of " + std::to_string(n) + " bytes is too large");
        hasLength_ = true;
        remaining_ = n;
    } else if (name == "transfer-encoding") {
        // Only "chunked" as the final coding frames a response; anything else we cannot read.
        if (!listsToken(value, "chunked")) throw HttpProtocolError("unsupported Transfer-Encoding '" + std::string(value) + "'");
        chunked_ = true;
    } else if (name == "connection") {
        if (listsToken(value, "close")) response_.keepAlive = false;
    }
}

void HttpResponseParser::parseHead(std::string_view head) {
    const auto eol = head.find("\r\n");
    const std::string_view statusLine = head.substr(0, eol);
    // "HTTP/1.1 200 OK"
    if (statusLine.size() < 12 || statusLine.substr(0, 5) != "HTTP/" || statusLine[8] != ' ') {
        throw HttpProtocolError("not an HTTP reply: '" + std::string(statusLine.substr(0, 80)) + "'");
    }
    const std::string_view version = statusLine.substr(5, 3);
    int status = 0;
    const auto [end, ec] = std::from_chars(statusLine.data() + 9, statusLine.data() + 12, status);
    if (ec != std::errc() || end != statusLine.data() + 12 || status < 100) {
        throw HttpProtocolError("bad HTTP status line '" + std::string(statusLine) + "'");
    }
    response_ = HttpResponse{};
    response_.status = status;
    response_.keepAlive = version == "1.1";
    chunked_ = false;
    hasLength_ = false;
    remaining_ = 0;
    std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    while (!rest.empty()) {
        const auto e = rest.find("\r\n");
        const std::string_view line = rest.substr(0, e);
        if (!line.empty()) finishHeadLine(line);
        if (e == std::string_view::npos) break;
        rest.remove_prefix(e + 2);
    }
}

bool HttpResponseParser::feed(std::string_view data) {
    while (!data.empty()) {
        switch (state_) {
            case State::Head: {
                const std::size_t before = head_.size();
                head_.append(data);
                const auto end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
                if (end == std::string::npos) {
                    if (head_.size() > kMaxHead) throw HttpProtocolError("HTTP reply headers longer than 64 KiB");
                    return false;
                }
                data.remove_prefix(end + 4 - before);
                parseHead(std::string_view(head_).substr(0, end + 2));
                head_.clear();
                if (response_.status < 200) break;  // 1xx: an interim reply; the real one follows
                if (chunked_) {
                    state_ = State::ChunkSize;
                } else if (hasLength_ || response_.status == 204 || response_.status == 304) {
                    state_ = remaining_ > 0 ? State::Body : State::Done;
                } else {
                    state_ = State::UntilClose;
                    response_.keepAlive = false;
                }
                break;
            }
            case State::Body: {
                const std::size_t n = std::min(remaining_, data.size());
                appendBody(data.substr(0, n));
                data.remove_prefix(n);
                remaining_ -= n;
                if (remaining_ == 0) state_ = State::Done;
                break;
            }
            case State::ChunkSize: {
                if (!takeLine(data)) break;
                const std::string_view sizeText = trim(std::string_view(line_).substr(0, line_.find(';')));
                std::size_t n = 0;
                const auto [end, ec] = std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), n, 16);
                if (sizeText.empty() || ec != std::errc() || end != sizeText.data() + sizeText.size()) {
                    throw HttpProtocolError("bad HTTP chunk size '" + line_ + "'");
                }
                line_.clear();
                remaining_ = n;
                state_ = n == 0 ? State::Trailers : State::ChunkData;
                break;
            }
            case State::ChunkData: {
                const std::size_t n = std::min(remaining_, data.size());
                appendBody(data.substr(0, n));
                data.remove_prefix(n);
                remaining_ -= n;
                if (remaining_ == 0) state_ = State::ChunkEnd;
                break;
            }
            case State::ChunkEnd:
                if (!takeLine(data)) break;
                if (!line_.empty()) throw HttpProtocolError("HTTP chunk not followed by CRLF");
                state_ = State::ChunkSize;
                break;
            case State::Trailers:
                if (!takeLine(data)) break;
                if (line_.empty()) state_ = State::Done;
                line_.clear();
                break;
            case State::UntilClose:
                appendBody(data);
                data = {};
                break;
            case State::Done:
                throw HttpProtocolError("bytes after the end of the HTTP reply");
        }
    }
    return state_ == State::Done;
}

void HttpResponseParser::endOfStream() {
    if (state_ == State::UntilClose) {
        state_ = State::Done;
        return;
    }
    if (state_ != State::Done) {
        throw HttpProtocolError(state_ == State::Head && head_.empty() ? "connection closed before any reply"
                                                                       : "connection closed in the middle of the reply");
    }
}

}  // namespace ibvf::etcd
