#include "ipam/etcd/CandidatePicker.hpp"

#include "ipam/Allocator.hpp"

namespace ibvf::ipam {

CandidatePicker::CandidatePicker(const RangeSet& set, const Exclusions& exclusions, std::uint64_t seed)
    : set_(set), exclusions_(exclusions), rng_(seed) {}

net::IpAddress CandidatePicker::randomIn(const net::IpAddress& lo, const net::IpAddress& hi) {
    const std::uint64_t span = net::IpAddress::distance(lo, hi);  // saturates for huge IPv6 ranges
    const std::uint64_t r = rng_();
    return lo.plus(span == UINT64_MAX ? r : r % (span + 1));
}

std::optional<net::IpAddress> CandidatePicker::pickIn(const RangeSet& set) {
    if (set.empty()) return std::nullopt;
    // A range in proportion to its size, then a point in it; the first assignable, untaken
    // address after that point (wrapping through the set) is the pick.
    double total = 0;
    std::vector<double> sizes;
    sizes.reserve(set.size());
    for (const Range& r : set) {
        sizes.push_back(static_cast<double>(net::IpAddress::distance(r.start, r.end)) + 1);
        total += sizes.back();
    }
    double x = std::uniform_real_distribution<double>(0, total)(rng_);
    std::size_t i = 0;
    while (i + 1 < set.size() && x >= sizes[i]) x -= sizes[i++];
    const net::IpAddress point = randomIn(set[i].start, set[i].end);
    return nextFree(set, exclusions_, point, [this](const net::IpAddress& a) { return taken_.count(a) > 0; });
}

std::optional<net::IpAddress> CandidatePicker::next() {
    if (window_) {
        const auto idx = rangeIndexFor(set_, window_->first);
        if (idx) {
            Range span = set_[*idx];  // same subnet and gateway, so the same addresses are assignable
            span.start = window_->first;
            span.end = window_->second;
            if (const auto a = pickIn(RangeSet{span})) return a;
        }
        window_.reset();  // nothing free in it: back to the whole set
    }
    return pickIn(set_);
}

void CandidatePicker::missed(const net::IpAddress& candidate, const net::IpAddress& through, const std::vector<net::IpAddress>& taken) {
    taken_.insert(candidate);
    taken_.insert(taken.begin(), taken.end());
    window_.emplace(candidate, through);
    ++missesSinceScan_;
}

void CandidatePicker::scanned(const std::vector<net::IpAddress>& taken) {
    taken_ = std::set<net::IpAddress>(taken.begin(), taken.end());
    window_.reset();
    scanned_ = true;
    missesSinceScan_ = 0;
}

}  // namespace ibvf::ipam
