#include "ipam/Range.hpp"

#include "cni/Error.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;

[[noreturn]] void invalid(std::string_view where, const std::string& what) {
    throw Error(ErrorCode::InvalidNetworkConfig, std::string(where) + ": " + what);
}

// Prefixes this long have no network/broadcast address to avoid.
bool isPointToPoint(const net::IpPrefix& subnet) { return subnet.length + 1 >= subnet.address.bitLength(); }

bool isNetworkAddress(const net::IpPrefix& subnet, const net::IpAddress& a) { return !isPointToPoint(subnet) && a == subnet.network(); }

bool isBroadcast(const net::IpPrefix& subnet, const net::IpAddress& a) {
    return subnet.family() == net::Family::V4 && !isPointToPoint(subnet) && a == subnet.lastAddress();
}

net::IpAddress parseAddressIn(const net::IpPrefix& subnet, const std::string& text, std::string_view where, std::string_view field) {
    const auto a = net::IpAddress::parse(text);
    if (!a) invalid(where, std::string(field) + " '" + text + "' is not an IP address");
    if (!subnet.contains(*a)) {
        invalid(where, std::string(field) + " " + a->toString() + " is outside subnet " + subnet.toString());
    }
    if (isNetworkAddress(subnet, *a)) {
        invalid(where, std::string(field) + " " + a->toString() + " is the network address of " + subnet.toString());
    }
    if (isBroadcast(subnet, *a)) {
        invalid(where, std::string(field) + " " + a->toString() + " is the broadcast address of " + subnet.toString());
    }
    return *a;
}

}  // namespace

bool Range::contains(const net::IpAddress& a) const { return a.family() == family() && start <= a && a <= end; }

bool Range::isAssignable(const net::IpAddress& a) const {
    return contains(a) && !isNetworkAddress(subnet, a) && !isBroadcast(subnet, a) && gateway != a;
}

std::string Range::describe() const { return subnet.toString() + " (" + start.toString() + "-" + end.toString() + ")"; }

Range makeRange(const RangeSpec& spec, std::string_view where) {
    if (spec.subnet.empty()) invalid(where, "subnet is required");
    const auto parsed = net::IpPrefix::parse(spec.subnet);
    if (!parsed) invalid(where, "subnet '" + spec.subnet + "' is not a CIDR (address/length)");
    if (parsed->address != parsed->network()) {
        invalid(where, "subnet " + spec.subnet + " has host bits set; the network is " + parsed->network().toString() + "/" +
                           std::to_string(parsed->length));
    }
    Range r;
    r.subnet = *parsed;
    const bool p2p = isPointToPoint(r.subnet);
    const net::IpAddress network = r.subnet.network();
    const net::IpAddress last = r.subnet.lastAddress();

    r.start = spec.rangeStart ? parseAddressIn(r.subnet, *spec.rangeStart, where, "rangeStart") : (p2p ? network : network.next());
    if (spec.rangeEnd) {
        r.end = parseAddressIn(r.subnet, *spec.rangeEnd, where, "rangeEnd");
    } else {
        r.end = (!p2p && r.family() == net::Family::V4) ? last.prev() : last;
    }
    if (r.end < r.start) {
        invalid(where, "rangeEnd " + r.end.toString() + " is before rangeStart " + r.start.toString());
    }
    if (spec.gateway) {
        const auto gw = net::IpAddress::parse(*spec.gateway);
        if (!gw) invalid(where, "gateway '" + *spec.gateway + "' is not an IP address");
        if (gw->family() != r.family()) {
            invalid(where, "gateway " + gw->toString() + " is not of the family of subnet " + r.subnet.toString());
        }
        // A gateway outside the subnet is allowed: point-to-point setups (a /32 with a link-local
        // next hop) need one.
        r.gateway = *gw;
    } else if (!p2p) {
        r.gateway = network.next();
    }
    return r;
}

std::string describeSet(const RangeSet& set) {
    std::string s;
    for (const auto& r : set) {
        if (!s.empty()) s += ", ";
        s += r.describe();
    }
    return s;
}

std::optional<std::size_t> rangeIndexFor(const RangeSet& set, const net::IpAddress& a) {
    for (std::size_t i = 0; i < set.size(); ++i) {
        if (set[i].contains(a)) return i;
    }
    return std::nullopt;
}

void validateRangeSets(const std::vector<RangeSet>& sets) {
    struct Placed {
        const Range* range;
        std::size_t set;
        std::size_t index;
    };
    std::vector<Placed> all;
    for (std::size_t s = 0; s < sets.size(); ++s) {
        const std::string where = "ipam.ranges[" + std::to_string(s) + "]";
        if (sets[s].empty()) invalid(where, "a range set needs at least one range");
        for (std::size_t i = 0; i < sets[s].size(); ++i) {
            if (sets[s][i].family() != sets[s][0].family()) {
                invalid(where, "mixes IPv4 and IPv6 ranges (" + sets[s][0].subnet.toString() + ", " + sets[s][i].subnet.toString() +
                                   "); use one range set per family");
            }
            all.push_back({&sets[s][i], s, i});
        }
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        for (std::size_t j = i + 1; j < all.size(); ++j) {
            const Range& a = *all[i].range;
            const Range& b = *all[j].range;
            if (a.family() != b.family()) continue;
            if (a.start <= b.end && b.start <= a.end) {
                invalid("ipam.ranges", "range " + a.describe() + " (set " + std::to_string(all[i].set) + ") overlaps range " +
                                           b.describe() + " (set " + std::to_string(all[j].set) + ")");
            }
        }
    }
}

}  // namespace ibvf::ipam
