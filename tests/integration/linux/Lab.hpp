#pragma once
// Shared setup for the kernel-layer integration tests: everything happens inside throw-away
// namespaces, never in the host's.
#include <memory>
#include <string>

#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "net/IpAddress.hpp"
#include "support/TestNet.hpp"

namespace ibvf::test::lab {

inline linux::RouteSocket routeSocketIn(const ScopedNetns& ns) {
    return linux::runInNetNs(ns.open(), [] { return linux::RouteSocket(); });
}

// A veth pair whose both ends start in `ns`.
inline std::unique_ptr<VethPair> vethIn(const ScopedNetns& ns) {
    return linux::runInNetNs(ns.open(), [] { return std::make_unique<VethPair>(); });
}

inline net::IpPrefix prefix(const char* text) { return net::IpPrefix::parse(text).value(); }

inline net::IpAddress ip(const char* text) { return net::IpAddress::parse(text).value(); }

}  // namespace ibvf::test::lab
