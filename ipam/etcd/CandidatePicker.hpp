#pragma once
// Which address the etcd store tries to claim next in one range set. The store cannot afford to
// read the pool before each claim (a /16 is 65,000 keys), and many nodes claim at once, so a claim
// goes out blind and is corrected by what its failure shows:
//   1. a random assignable address of the set: concurrent claimers rarely pick the same one, and
//      with the set a fraction f full the first try succeeds with probability 1 - f;
//   2. after a miss, the failed transaction has read up to 64 keys from the candidate on (the
//      "window"): a random address the window shows free is tried next, which succeeds unless a
//      concurrent claim took it first;
//   3. after kMissesBeforeScan misses (a nearly full set, or heavy contention), one read of the
//      whole set, and a random free address from it; no free address there means the set is full.
// Everything learned taken is remembered, so no address is tried twice.
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "ipam/Exclusions.hpp"
#include "ipam/Range.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::ipam {

class CandidatePicker {
public:
    static constexpr unsigned kMissesBeforeScan = 3;

    // `set` and `exclusions` must outlive the picker.
    CandidatePicker(const RangeSet& set, const Exclusions& exclusions, std::uint64_t seed);

    // The next address to try, or nullopt when every assignable address is known taken.
    std::optional<net::IpAddress> next();

    // `candidate` was taken; the failed claim read every taken address in [candidate, through].
    void missed(const net::IpAddress& candidate, const net::IpAddress& through, const std::vector<net::IpAddress>& taken);
    // Never to be tried (e.g. an address the claimer itself holds).
    void avoid(const net::IpAddress& a) { taken_.insert(a); }
    // A read of the whole set at one revision: exactly `taken` are leased.
    void scanned(const std::vector<net::IpAddress>& taken);

    // Whether to read the whole set before the next try.
    bool wantsScan() const { return missesSinceScan_ >= kMissesBeforeScan; }
    // Whether the last scan is the newest knowledge: then next() == nullopt means the set is full.
    bool freshScan() const { return scanned_ && missesSinceScan_ == 0; }

private:
    std::optional<net::IpAddress> pickIn(const RangeSet& set);
    net::IpAddress randomIn(const net::IpAddress& lo, const net::IpAddress& hi);

    const RangeSet& set_;
    const Exclusions& exclusions_;
    std::mt19937_64 rng_;
    std::set<net::IpAddress> taken_;
    std::optional<std::pair<net::IpAddress, net::IpAddress>> window_;  // span the last miss read
    bool scanned_ = false;
    unsigned missesSinceScan_ = 0;
};

}  // namespace ibvf::ipam
