#include "etcd/HttpConnection.hpp"

namespace ibvf::etcd {

HttpResponse HttpConnection::postJson(std::string_view path, std::string_view body, const Deadline& deadline) {
    reusable_ = false;  // until this exchange completes
    std::string request;
    request.reserve(160 + path.size() + body.size());
    request.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(authority_);
    request.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
    request.append("\r\n\r\n").append(body);
    stream_->writeAll(request, deadline);

    HttpResponseParser parser;
    char buf[16384];
    while (true) {
        const std::size_t n = stream_->readSome(buf, sizeof buf, deadline);
        if (n == 0) {
            parser.endOfStream();
            break;
        }
        if (parser.feed(std::string_view(buf, n))) break;
    }
    HttpResponse response = std::move(parser.response());
    reusable_ = response.keepAlive;
    return response;
}

}  // namespace ibvf::etcd
