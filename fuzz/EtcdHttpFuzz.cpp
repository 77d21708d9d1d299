// The HTTP/1.1 replies of etcd's JSON gateway, read by ibvf-ipam-etcd from the network. The first
// byte picks how the stream is cut into reads; the rest is the stream. However it is cut, the
// parser must reach the same outcome as when it is handed everything at once.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "FuzzInput.hpp"
#include "etcd/HttpResponseParser.hpp"

namespace {

using ibvf::etcd::HttpProtocolError;
using ibvf::etcd::HttpResponse;
using ibvf::etcd::HttpResponseParser;

// The response, or nullopt when the parser refuses the stream.
std::optional<HttpResponse> parse(std::string_view stream, std::size_t piece) {
    HttpResponseParser parser(std::size_t{1} << 16);
    try {
        // Every byte is fed, also after the response is complete: bytes beyond it are an error
        // however they arrive.
        bool done = false;
        for (std::size_t at = 0; at < stream.size(); at += piece) done = parser.feed(stream.substr(at, piece));
        if (!done) parser.endOfStream();
        if (!parser.complete()) ibvf::fuzz::finding("endOfStream returned without a complete response");
        return parser.response();
    } catch (const HttpProtocolError&) {
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = data[0] % 8 + 1;
    const auto stream = ibvf::fuzz::asText(data + 1, size - 1);
    const auto whole = parse(stream, stream.size() + 1);
    const auto cut = parse(stream, piece);
    if (whole.has_value() != cut.has_value()) ibvf::fuzz::finding("accepted in one read, refused in pieces, or the reverse");
    if (whole && (whole->status != cut->status || whole->body != cut->body || whole->keepAlive != cut->keepAlive))
        ibvf::fuzz::finding("a different response when read in pieces of " + std::to_string(piece));
    return 0;
}
