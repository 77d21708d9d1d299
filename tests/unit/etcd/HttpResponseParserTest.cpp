#include <doctest/doctest.h>

#include "etcd/HttpResponseParser.hpp"

using namespace ibvf::etcd;

namespace {

// Feeds `wire` in pieces of `step` bytes; returns the response once complete (endOfStream on
// the last piece when `closeAtEnd`).
HttpResponse parseInPieces(const std::string& wire, std::size_t step, bool closeAtEnd = false) {
    HttpResponseParser p;
    bool done = false;
    for (std::size_t i = 0; i < wire.size() && !done; i += step) done = p.feed(std::string_view(wire).substr(i, step));
    if (!done && closeAtEnd) p.endOfStream();
    REQUIRE(p.complete());
    return p.response();
}

}  // namespace

TEST_CASE("Content-Length bodies, fed whole and byte by byte") {
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 11\r\n\r\n{\"a\":\"bc\"}\n";
    for (std::size_t step : {wire.size(), std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
        CAPTURE(step);
        const auto r = parseInPieces(wire, step);
        CHECK(r.status == 200);
        CHECK(r.body == "{\"a\":\"bc\"}\n");
        CHECK(r.keepAlive);
    }
}

TEST_CASE("chunked bodies (Go switches to them above a few KB), with extensions and trailers") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n"
        "1;ext=1\r\n \r\n"
        "A\r\n0123456789\r\n"
        "0\r\nX-Trailer: y\r\n\r\n";
    for (std::size_t step : {wire.size(), std::size_t{1}, std::size_t{4}}) {
        CAPTURE(step);
        const auto r = parseInPieces(wire, step);
        CHECK(r.body == "hello 0123456789");
    }
}

TEST_CASE("a 1xx reply is skipped, Connection: close and HTTP/1.0 end keep-alive, a close-delimited body") {
    auto r = parseInPieces(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n"
        "Connection: keep-alive, close\r\n\r\n{}",
        5);
    CHECK(r.status == 503);
    CHECK(r.body == "{}");
    CHECK_FALSE(r.keepAlive);

    r = parseInPieces("HTTP/1.0 200 OK\r\n\r\nuntil the end", 4, true);
    CHECK(r.body == "until the end");
    CHECK_FALSE(r.keepAlive);

    r = parseInPieces("HTTP/1.1 204 No Content\r\n\r\n", 100);
    CHECK(r.body.empty());
}

TEST_CASE("malformed or cut-short replies are errors, never a partial body") {
    for (const char* bad :
         {"HTTP/1.1 2x0 OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
          "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"}) {
        CAPTURE(bad);
        HttpResponseParser p;
        CHECK_THROWS_AS(p.feed(bad), HttpProtocolError);
    }
    HttpResponseParser cut;
    CHECK_FALSE(cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    CHECK_THROWS_WITH_AS(cut.endOfStream(), doctest::Contains("middle of the reply"), HttpProtocolError);
    HttpResponseParser none;
    CHECK_THROWS_WITH_AS(none.endOfStream(), doctest::Contains("before any reply"), HttpProtocolError);

    HttpResponseParser small(8);
    CHECK_THROWS_AS(small.feed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), HttpProtocolError);
    HttpResponseParser smallChunks(8);
    CHECK_THROWS_AS(smallChunks.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n67890\r\n"),
                    HttpProtocolError);
}
