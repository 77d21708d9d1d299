#include "ipam/Allocator.hpp"

#include "cni/Error.hpp"

namespace ibvf::ipam {
namespace {

struct Interval {
    net::IpAddress lo;
    net::IpAddress hi;  // inclusive
};

// The whole walk as straight intervals: the rest of the cursor's range, every other range in
// order with wrap-around, then the start of the cursor's range up to the cursor. No interval
// wraps, so the walk needs no "have we come round?" test, even when excluded blocks are jumped.
std::vector<Interval> walkOrder(const RangeSet& set, const std::optional<net::IpAddress>& lastReserved) {
    std::vector<Interval> out;
    out.reserve(set.size() + 1);
    std::size_t first = 0;
    std::optional<net::IpAddress> from;
    if (lastReserved) {
        if (const auto idx = rangeIndexFor(set, *lastReserved)) {
            if (*lastReserved == set[*idx].end) {
                first = (*idx + 1) % set.size();
            } else {
                first = *idx;
                from = lastReserved->next();
            }
        }
    }
    if (from) {
        out.push_back({*from, set[first].end});
    } else {
        out.push_back({set[first].start, set[first].end});
    }
    for (std::size_t k = 1; k < set.size(); ++k) {
        const Range& r = set[(first + k) % set.size()];
        out.push_back({r.start, r.end});
    }
    if (from && set[first].start < *from) out.push_back({set[first].start, from->prev()});
    return out;
}

}  // namespace

std::optional<net::IpAddress> nextFree(const RangeSet& set, const Exclusions& exclusions, const std::optional<net::IpAddress>& lastReserved,
                                       const IsTaken& isTaken) {
    if (set.empty()) return std::nullopt;
    for (const Interval& iv : walkOrder(set, lastReserved)) {
        const std::optional<std::size_t> rangeIdx = rangeIndexFor(set, iv.lo);
        const Range& range = set[*rangeIdx];
        net::IpAddress a = iv.lo;
        while (true) {
            if (const net::IpPrefix* block = exclusions.find(a)) {
                const net::IpAddress blockEnd = block->lastAddress();
                if (blockEnd >= iv.hi) break;
                a = blockEnd.next();
                continue;
            }
            if (range.isAssignable(a) && !isTaken(a)) return a;
            if (a == iv.hi) break;
            a = a.next();
        }
    }
    return std::nullopt;
}

std::optional<std::string> whyUnassignable(const RangeSet& set, const Exclusions& exclusions, const net::IpAddress& a) {
    const auto idx = rangeIndexFor(set, a);
    if (!idx) return a.toString() + " is outside the range set's ranges";
    const Range& r = set[*idx];
    if (r.gateway == a) return a.toString() + " is the gateway of " + r.describe();
    if (!r.isAssignable(a)) return a.toString() + " is the network or broadcast address of " + r.subnet.toString();
    if (const auto* block = exclusions.find(a)) {
        return a.toString() + " is excluded (" + block->toString() + ")";
    }
    return std::nullopt;
}

std::vector<std::optional<net::IpAddress>> matchRequested(const std::vector<RangeSet>& sets, const std::vector<net::IpAddress>& requested,
                                                          const std::string& network) {
    std::vector<std::optional<net::IpAddress>> out(sets.size());
    for (const auto& a : requested) {
        bool placed = false;
        for (std::size_t s = 0; s < sets.size() && !placed; ++s) {
            if (!rangeIndexFor(sets[s], a)) continue;
            if (out[s] && *out[s] != a) {
                throw cni::Error(cni::ErrorCode::IpamFailure, "network " + network + ": requested addresses " + out[s]->toString() +
                                                                  " and " + a.toString() + " fall into the same range set " +
                                                                  std::to_string(s) + "; one address per range set is handed out");
            }
            out[s] = a;
            placed = true;
        }
        if (!placed) {
            std::string ranges;
            for (const auto& set : sets) {
                for (const auto& r : set) {
                    if (!ranges.empty()) ranges += ", ";
                    ranges += r.describe();
                }
            }
            throw cni::Error(cni::ErrorCode::IpamFailure,
                             "network " + network + ": requested address " + a.toString() + " is outside every range (" + ranges + ")");
        }
    }
    return out;
}

}  // namespace ibvf::ipam
