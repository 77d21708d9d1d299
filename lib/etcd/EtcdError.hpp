#pragma once
// What an etcd request can end in besides a reply, split by what the caller should do about it.
#include <stdexcept>
#include <string>

namespace ibvf::etcd {

// No endpoint could be reached or answered within the deadline, or etcd said it cannot serve now
// (no leader, request timed out, too many requests): trying again later may work.
// `maybeApplied`: a write was sent and may have taken effect (etcd applies a proposal it has
// accepted even when the reply never arrives), so the caller must read before it assumes either.
class EtcdUnavailable : public std::runtime_error {
public:
    EtcdUnavailable(const std::string& what, bool maybeApplied) : std::runtime_error(what), maybeApplied_(maybeApplied) {}
    bool maybeApplied() const { return maybeApplied_; }

private:
    bool maybeApplied_;
};

// A reply that is not what the gateway sends for the request.
class MalformedReply : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// etcd answered and refused (permission denied, invalid or oversized request), or something that
// is not etcd's v3 gateway answered: trying again will not help.
class EtcdRejected : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace ibvf::etcd
