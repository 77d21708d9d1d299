#include "etcd/EtcdTypes.hpp"

#include "etcd/EtcdError.hpp"

namespace ibvf::etcd {

Compare Compare::created(std::string key, std::int64_t rev) {
    Compare c;
    c.key = std::move(key);
    c.target = CompareTarget::Create;
    c.revision = rev;
    return c;
}

Compare Compare::unchangedSince(std::string key, std::string rangeEnd, std::int64_t rev) {
    Compare c;
    c.key = std::move(key);
    c.rangeEnd = std::move(rangeEnd);
    c.target = CompareTarget::Mod;
    c.result = CompareResult::Less;
    c.revision = rev + 1;
    return c;
}

Compare Compare::valueIs(std::string key, std::string value) {
    Compare c;
    c.key = std::move(key);
    c.target = CompareTarget::Value;
    c.value = std::move(value);
    return c;
}

bool isReadOnly(const TxnRequest& txn) {
    for (const auto* ops : {&txn.success, &txn.failure}) {
        for (const RequestOp& r : *ops) {
            if (std::holds_alternative<PutRequest>(r.op) || std::holds_alternative<DeleteRangeRequest>(r.op)) return false;
            if (const auto* nested = std::get_if<TxnRequest>(&r.op); nested && !isReadOnly(*nested)) return false;
        }
    }
    return true;
}

const RangeResponse& TxnResponse::rangeAt(std::size_t i) const {
    if (i >= responses.size()) throw MalformedReply("etcd txn reply has no response " + std::to_string(i));
    const auto* r = std::get_if<RangeResponse>(&responses[i].op);
    if (!r) throw MalformedReply("etcd txn response " + std::to_string(i) + " is not a range");
    return *r;
}

const TxnResponse& TxnResponse::txnAt(std::size_t i) const {
    if (i >= responses.size()) throw MalformedReply("etcd txn reply has no response " + std::to_string(i));
    const auto* r = std::get_if<TxnResponse>(&responses[i].op);
    if (!r) throw MalformedReply("etcd txn response " + std::to_string(i) + " is not a txn");
    return *r;
}

std::string prefixEnd(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        if (static_cast<unsigned char>(end.back()) < 0xff) {
            end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');
}

}  // namespace ibvf::etcd
