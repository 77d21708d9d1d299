#pragma once
// A client of etcd's v3 API over its JSON gateway (POST /v3/kv/range and /v3/kv/txn on the client
// port, served by etcd 3.4+): HTTP/1.1 on one kept-alive connection, TLS when the endpoint is
// https. One client serves one CNI command; each command gives it a deadline.
//
// Endpoints are tried in turn from `firstEndpoint`: a connect failure moves on to the next, so a
// dead member costs one refused connect, and one that does not answer at most its share of what
// is left of the deadline (the rest divided by the members not yet tried).
// Reads and read-only txns are repeated on the next endpoint when one fails mid-exchange; a
// write is not (see EtcdUnavailable::maybeApplied): the caller reads and decides.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/Deadline.hpp"
#include "etcd/Endpoint.hpp"
#include "etcd/EtcdError.hpp"
#include "etcd/EtcdTypes.hpp"
#include "etcd/TlsStream.hpp"

namespace ibvf::etcd {

class HttpConnection;

struct ClientSettings {
    std::vector<Endpoint> endpoints;  // at least one
    std::optional<TlsFiles> tls;      // for https endpoints; none: the system's CAs, no client cert
    std::size_t firstEndpoint = 0;    // taken modulo the count
};

class EtcdClient {
public:
    EtcdClient(ClientSettings settings, const Deadline& deadline);
    ~EtcdClient();
    EtcdClient(const EtcdClient&) = delete;
    EtcdClient& operator=(const EtcdClient&) = delete;

    // Every request from now on ends by `deadline`.
    void setDeadline(const Deadline& deadline) { deadline_ = deadline; }

    // Throw EtcdUnavailable, EtcdRejected, or TlsSetupError (a CA, cert or key file unusable).
    RangeResponse range(const RangeRequest& request);
    // `repeatable`: applying it twice is the same as once (every write guarded by a compare that
    // its own first application falsifies), so like a read it may be resent to another member
    // when a reply is lost. Read-only transactions are repeatable anyway.
    TxnResponse txn(const TxnRequest& request, bool repeatable = false);

    // "http://10.0.0.1:2379, http://10.0.0.2:2379", for messages.
    std::string endpointList() const;

private:
    std::string exchange(const char* path, const std::string& body, bool idempotent);
    void connect(const Endpoint& e, const Deadline& by);

    ClientSettings settings_;
    Deadline deadline_;
    std::size_t current_;
    std::unique_ptr<TlsContext> tls_;  // made at the first https connect
    std::unique_ptr<HttpConnection> conn_;
};

}  // namespace ibvf::etcd
