#pragma once
// etcd's v3 JSON gateway spelling of the KV API: protobuf field names, `bytes` in base64, int64 as
// decimal strings, enums by name. Checked against etcd 3.4's gateway (the replies in the unit
// tests are verbatim ones): a false `succeeded`, an empty value and a zero count are left out.
#include <optional>
#include <string>
#include <string_view>

#include "etcd/EtcdError.hpp"
#include "etcd/EtcdTypes.hpp"

namespace ibvf::etcd {

std::string encodeRange(const RangeRequest& r);
std::string encodeTxn(const TxnRequest& t);

// Throw MalformedReply.
RangeResponse decodeRangeResponse(std::string_view json);
TxnResponse decodeTxnResponse(std::string_view json);

// The gateway's error body {"error","code","message"} (code: a gRPC status code).
struct GatewayError {
    int code = 0;
    std::string message;
};
std::optional<GatewayError> decodeGatewayError(std::string_view json);

}  // namespace ibvf::etcd
