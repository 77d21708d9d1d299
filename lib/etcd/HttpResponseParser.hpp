#pragma once
// An HTTP/1.1 response read incrementally, as the bytes arrive: status line, headers, and a body
// framed by Content-Length, chunked transfer coding (Go's net/http switches to it for replies
// above a few KB, such as a range over many keys), or the end of the connection.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ibvf::etcd {

struct HttpResponse {
    int status = 0;
    std::string body;
    bool keepAlive = true;  // the server did not ask to close the connection
};

class HttpProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class HttpResponseParser {
public:
    // A reply above `maxBody` bytes is refused rather than buffered.
    explicit HttpResponseParser(std::size_t maxBody = std::size_t{256} << 20) : maxBody_(maxBody) {}

    // Takes the next bytes of the stream; true once the response is complete. Bytes beyond the
    // response are a protocol error (requests are never pipelined). Throws HttpProtocolError.
    bool feed(std::string_view data);
    // The peer ended the stream: completes a response whose body runs to the close; throws
    // HttpProtocolError when the response is cut short.
    void endOfStream();
    bool complete() const { return state_ == State::Done; }
    // The whole response; valid once complete().
    HttpResponse& response() { return response_; }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose, Done };
    void parseHead(std::string_view head);
    void finishHeadLine(std::string_view line);  // one header line
    void appendBody(std::string_view data);
    // Pulls one CRLF-terminated line out of `data` into line_; true when it is complete.
    bool takeLine(std::string_view& data);

    std::size_t maxBody_;
    State state_ = State::Head;
    std::string head_;           // status line and headers, until the blank line
    std::string line_;           // a chunk-size or trailer line being assembled
    std::size_t remaining_ = 0;  // body bytes (State::Body) or chunk bytes (State::ChunkData) still due
    bool chunked_ = false;
    bool hasLength_ = false;
    HttpResponse response_;
};

}  // namespace ibvf::etcd
