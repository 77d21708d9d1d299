#pragma once
// Standard base64 (RFC 4648, with padding): the etcd v3 JSON gateway carries every key and value
// as protobuf `bytes`, which JSON spells in base64.
#include <optional>
#include <string>
#include <string_view>

namespace ibvf::etcd {

std::string base64Encode(std::string_view bytes);

// nullopt on anything that is not canonical padded base64 (wrong length, stray characters,
// padding in the middle): a gateway reply we cannot read exactly is treated as unreadable.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace ibvf::etcd
