#pragma once
// The part of etcd's v3 KV API (etcdserverpb) that ibvf uses, as plain values: keys and values are
// raw bytes here; EtcdJson does the gateway's base64/JSON spelling.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ibvf::etcd {

// ---- requests ----------------------------------------------------------------------------
enum class CompareTarget { Version, Create, Mod, Value };
enum class CompareResult { Equal, Greater, Less, NotEqual };

struct Compare {
    std::string key;
    std::string rangeEnd;  // non-empty: every key in [key, rangeEnd) must satisfy it (none: compares as 0)
    CompareTarget target = CompareTarget::Create;
    CompareResult result = CompareResult::Equal;
    std::int64_t revision = 0;  // Version/Create/Mod
    std::string value;          // Value

    // create_revision(key) == rev: 0 means "does not exist".
    static Compare created(std::string key, std::int64_t rev);
    // No key under [key, rangeEnd) was created or changed after `rev`.
    static Compare unchangedSince(std::string key, std::string rangeEnd, std::int64_t rev);
    // value(key) == value, byte for byte.
    static Compare valueIs(std::string key, std::string value);
};

struct RangeRequest {
    std::string key;
    std::string rangeEnd;  // empty: the single key
    std::int64_t limit = 0;
    bool keysOnly = false;
    bool countOnly = false;
};

struct PutRequest {
    std::string key;
    std::string value;
};

struct DeleteRangeRequest {
    std::string key;
    std::string rangeEnd;  // empty: the single key
};

struct RequestOp;
struct TxnRequest {
    std::vector<Compare> compare;
    std::vector<RequestOp> success;
    std::vector<RequestOp> failure;
};

struct RequestOp {
    std::variant<RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest> op;
};

// True when no operation at any depth writes: such a txn can be repeated like a range.
bool isReadOnly(const TxnRequest& txn);

// ---- responses ---------------------------------------------------------------------------
struct KeyValue {
    std::string key;
    std::string value;
    std::int64_t createRevision = 0;
    std::int64_t modRevision = 0;
    std::int64_t version = 0;
};

struct RangeResponse {
    std::int64_t revision = 0;  // the store revision the read saw
    std::vector<KeyValue> kvs;
    bool more = false;  // a limit cut the list short
    std::int64_t count = 0;
};

struct PutResponse {};

struct DeleteRangeResponse {
    std::int64_t deleted = 0;
};

struct ResponseOp;
struct TxnResponse {
    std::int64_t revision = 0;  // top level only: nested replies carry none
    bool succeeded = false;
    std::vector<ResponseOp> responses;

    // The i-th reply as a range / nested txn; throws MalformedReply when it is something else.
    const RangeResponse& rangeAt(std::size_t i) const;
    const TxnResponse& txnAt(std::size_t i) const;
};

struct ResponseOp {
    std::variant<RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse> op;
};

// The first key after every key that starts with `prefix` ("/a/" -> "/a0"): the range_end of a
// prefix read. "\0" (every key) for an empty prefix or one of 0xff bytes only.
std::string prefixEnd(std::string_view prefix);

}  // namespace ibvf::etcd
