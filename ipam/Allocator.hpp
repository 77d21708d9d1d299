#pragma once
// Which address to hand out, as pure functions over ranges and a "taken?" probe, so the policy is
// tested without a store and the store stays a store.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ipam/Exclusions.hpp"
#include "ipam/Range.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::ipam {

using IsTaken = std::function<bool(const net::IpAddress&)>;

// Round robin: the first assignable, non-excluded, untaken address after `lastReserved`, walking
// the set's ranges in order and wrapping around to the first one; starts at the set's first
// address when `lastReserved` is absent or no longer in the set. nullopt when the set is full.
// Excluded blocks are skipped whole, so the cost is one probe per taken address passed over
// (round robin keeps that near one), not one per address in the set.
std::optional<net::IpAddress> nextFree(const RangeSet& set, const Exclusions& exclusions, const std::optional<net::IpAddress>& lastReserved,
                                       const IsTaken& isTaken);

// Why `a` can never be handed out from `set` (outside its ranges, network/broadcast address,
// gateway, excluded), or nullopt when it can (whether it is free is the store's business).
std::optional<std::string> whyUnassignable(const RangeSet& set, const Exclusions& exclusions, const net::IpAddress& a);

// Spreads requested addresses over the range sets: entry i is the address asked for in set i.
// Throws cni::Error(IpamFailure) naming `network` when an address is in no set's ranges or two
// addresses fall into the same set.
std::vector<std::optional<net::IpAddress>> matchRequested(const std::vector<RangeSet>& sets, const std::vector<net::IpAddress>& requested,
                                                          const std::string& network);

}  // namespace ibvf::ipam
