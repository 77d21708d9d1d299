#pragma once
// One HTTP/1.1 connection to one server, kept open across requests of one CNI command: an ADD's
// second round trip, if any, reuses the first one's TCP (and TLS) set-up.
#include <memory>
#include <string>
#include <string_view>

#include "etcd/ByteStream.hpp"
#include "etcd/HttpResponseParser.hpp"

namespace ibvf::etcd {

class HttpConnection {
public:
    // `authority` is the Host header ("10.0.0.1:2379").
    HttpConnection(std::unique_ptr<ByteStream> stream, std::string authority)
        : stream_(std::move(stream)), authority_(std::move(authority)) {}

    // POSTs a JSON body to `path` and reads the whole reply. Throws TransportError or
    // HttpProtocolError; either leaves the connection unusable. The server may have acted on
    // the request whenever the write began, whatever is thrown after.
    HttpResponse postJson(std::string_view path, std::string_view body, const Deadline& deadline);

    // False once the server asked to close, or an exchange failed.
    bool reusable() const { return reusable_; }

private:
    std::unique_ptr<ByteStream> stream_;
    std::string authority_;
    bool reusable_ = true;
};

}  // namespace ibvf::etcd
