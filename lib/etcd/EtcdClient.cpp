#include "etcd/EtcdClient.hpp"

#include "etcd/EtcdJson.hpp"
#include "etcd/HttpConnection.hpp"
#include "etcd/TcpStream.hpp"

namespace ibvf::etcd {
namespace {

// gRPC codes that mean "not now" rather than "no": UNAVAILABLE (no leader, request timed out,
// leader changed), DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (too many requests), ABORTED.
bool isTransient(int grpcCode) { return grpcCode == 14 || grpcCode == 4 || grpcCode == 8 || grpcCode == 10; }

constexpr std::chrono::milliseconds kMinAttemptBudget{100};

}  // namespace

EtcdClient::EtcdClient(ClientSettings settings, const Deadline& deadline) : settings_(std::move(settings)), deadline_(deadline) {
    if (settings_.endpoints.empty()) throw std::invalid_argument("etcd client without endpoints");
    current_ = settings_.firstEndpoint % settings_.endpoints.size();
}

EtcdClient::~EtcdClient() = default;

std::string EtcdClient::endpointList() const {
    std::string s;
    for (const auto& e : settings_.endpoints) s += (s.empty() ? "" : ", ") + e.text;
    return s;
}

void EtcdClient::connect(const Endpoint& e, const Deadline& by) {
    const auto address = resolveHost(e.host);
    if (!address) throw TransportError("resolve " + e.host + ": not an IP address and not in /etc/hosts");
    TcpStream tcp = TcpStream::connect(*address, e.port, e.authority(), by);
    std::unique_ptr<ByteStream> stream;
    if (e.tls) {
        if (!tls_) tls_ = std::make_unique<TlsContext>(settings_.tls.value_or(TlsFiles{}));
        stream = TlsStream::connect(std::move(tcp), *tls_, e.host, by);
    } else {
        stream = std::make_unique<TcpStream>(std::move(tcp));
    }
    conn_ = std::make_unique<HttpConnection>(std::move(stream), e.authority());
}

std::string EtcdClient::exchange(const char* path, const std::string& body, bool idempotent) {
    const std::size_t n = settings_.endpoints.size();
    std::string failures;
    const auto note = [&](const Endpoint& e, const std::string& why) { failures += (failures.empty() ? "" : "; ") + e.text + ": " + why; };
    // A failed write is not repeated here, but the caller's next request goes to the next member.
    const auto giveUp = [&](const Endpoint& e, const std::string& why) {
        note(e, why);
        conn_.reset();
        current_ = (current_ + 1) % n;
        return EtcdUnavailable("etcd " + failures + " (the request may have been applied)", true);
    };
    for (std::size_t tried = 0; tried < n; ++tried, current_ = (current_ + 1) % n) {
        const Endpoint& e = settings_.endpoints[current_];
        // A member that drops packets or never answers must not take the whole deadline from the
        // ones after it: each gets its share of what is left.
        const auto share = std::max(deadline_.remaining() / static_cast<long>(n - tried), kMinAttemptBudget);
        const Deadline attemptBy = deadline_.atMost(share);
        if (!conn_ || !conn_->reusable()) {
            conn_.reset();
            try {
                connect(e, attemptBy);
            } catch (const TransportError& err) {
                note(e, err.what());
                continue;
            }
        }
        HttpResponse reply;
        try {
            reply = conn_->postJson(path, body, attemptBy);
        } catch (const std::runtime_error& err) {  // TransportError, HttpProtocolError
            if (!idempotent) throw giveUp(e, err.what());
            conn_.reset();
            note(e, err.what());
            continue;
        }
        if (reply.status == 200) return std::move(reply.body);

        const auto gw = decodeGatewayError(reply.body);
        const std::string why = gw ? gw->message + " (gRPC code " + std::to_string(gw->code) + ")"
                                   : "HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 200);
        const bool transient = gw ? isTransient(gw->code) : reply.status >= 500;
        if (!transient) {
            if (reply.status == 404 && !gw) {
                throw EtcdRejected("etcd " + e.text + " does not serve the v3 JSON gateway (HTTP 404 for " + std::string(path) +
                                   "): etcd 3.4 or later with the gRPC gateway enabled is needed");
            }
            throw EtcdRejected("etcd " + e.text + " refused " + std::string(path) + ": " + why);
        }
        if (!idempotent) throw giveUp(e, why);
        conn_.reset();  // let the next attempt go to another member
        note(e, why);
    }
    if (deadline_.passed()) failures += " (deadline passed)";
    throw EtcdUnavailable("no etcd endpoint answered: " + failures, false);
}

RangeResponse EtcdClient::range(const RangeRequest& request) {
    const std::string reply = exchange("/v3/kv/range", encodeRange(request), true);
    try {
        return decodeRangeResponse(reply);
    } catch (const MalformedReply& e) {
        throw EtcdRejected(std::string(e.what()) + " from " + settings_.endpoints[current_].text);
    }
}

TxnResponse EtcdClient::txn(const TxnRequest& request, bool repeatable) {
    const std::string reply = exchange("/v3/kv/txn", encodeTxn(request), repeatable || isReadOnly(request));
    try {
        return decodeTxnResponse(reply);
    } catch (const MalformedReply& e) {
        throw EtcdRejected(std::string(e.what()) + " from " + settings_.endpoints[current_].text);
    }
}

}  // namespace ibvf::etcd
