// The JSON bodies of etcd's v3 gateway replies (range, txn, error), read by ibvf-ipam-etcd from
// the network.
#include <cstddef>
#include <cstdint>

#include "FuzzInput.hpp"
#include "etcd/EtcdError.hpp"
#include "etcd/EtcdJson.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const auto text = fuzz::asText(data, size);
    fuzz::rejectOnly<etcd::MalformedReply>([&] { (void)etcd::decodeRangeResponse(text); });
    fuzz::rejectOnly<etcd::MalformedReply>([&] { (void)etcd::decodeTxnResponse(text); });
    fuzz::rejectOnly<etcd::MalformedReply>([&] { (void)etcd::decodeGatewayError(text); });
    return 0;
}
