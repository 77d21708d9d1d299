#pragma once
// Allocation ranges as host-local defines them (a subnet, an optional start/end inside it, an
// optional gateway), and the range sets a config lists: one address is handed out per set.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/IpAddress.hpp"

namespace ibvf::ipam {

// What the config says, before defaults; `where` names it in errors ("ipam.ranges[0][1]").
struct RangeSpec {
    std::string subnet;
    std::optional<std::string> rangeStart;
    std::optional<std::string> rangeEnd;
    std::optional<std::string> gateway;
};

struct Range {
    net::IpPrefix subnet;  // host bits clear
    net::IpAddress start;  // first address handed out, inclusive
    net::IpAddress end;    // last address handed out, inclusive
    std::optional<net::IpAddress> gateway;

    net::Family family() const { return subnet.family(); }
    // Inside [start, end].
    bool contains(const net::IpAddress& a) const;
    // Inside the range and fit for a container: not the network address (except in /31, /32,
    // /127, /128, which have no network or broadcast address: RFC 3021, RFC 6164), not the IPv4
    // broadcast, not the gateway.
    bool isAssignable(const net::IpAddress& a) const;
    // "10.1.2.0/24 (10.1.2.1-10.1.2.254)", for messages.
    std::string describe() const;
};

// Applies host-local's defaults: start = network + 1, end = the last address (IPv4: the one before
// the broadcast), gateway = network + 1; on /31, /32, /127 and /128 every address is usable and
// there is no default gateway. Throws cni::Error(InvalidNetworkConfig) naming `where` on a bad
// subnet, host bits in the subnet, start/end outside the subnet or on its network/broadcast
// address, start after end, or a gateway of the other family.
Range makeRange(const RangeSpec& spec, std::string_view where);

using RangeSet = std::vector<Range>;

// "10.1.2.0/24 (10.1.2.1-10.1.2.254), ...", for messages.
std::string describeSet(const RangeSet& set);

// Index of the range holding `a` (within [start, end]), or nullopt.
std::optional<std::size_t> rangeIndexFor(const RangeSet& set, const net::IpAddress& a);

// host-local's rules across the whole config: a set is non-empty and of one family, and no two
// ranges anywhere overlap. Throws cni::Error(InvalidNetworkConfig).
void validateRangeSets(const std::vector<RangeSet>& sets);

}  // namespace ibvf::ipam
