#pragma once
// Where the metrics endpoint listens: "127.0.0.1:9101", "[::1]:9101", "0.0.0.0:9101", "[::]:9101"
// or ":9101" (every IPv4 and IPv6 address). Only IP literals: the address is the node's own, and
// a name would need a resolver in the daemon.
#include <cstdint>
#include <string>
#include <string_view>

#include "net/IpAddress.hpp"

namespace ibvf::metrics {

struct ListenAddress {
    net::IpAddress ip;       // "::" for ":port"
    std::uint16_t port = 0;  // 0: any free port (tests)

    std::string toString() const;  // "127.0.0.1:9101", "[::1]:9101"
};

// Throws std::invalid_argument saying what is wrong and what is expected.
ListenAddress parseListenAddress(std::string_view text);

}  // namespace ibvf::metrics
