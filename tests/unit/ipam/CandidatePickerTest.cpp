#include <set>

#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/Allocator.hpp"
#include "ipam/etcd/CandidatePicker.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

RangeSet setOf(std::initializer_list<const char*> subnets) {
    RangeSet s;
    for (const char* subnet : subnets) s.push_back(makeRange({subnet, {}, {}, {}}, "test"));
    return s;
}

}  // namespace

TEST_CASE("candidates are assignable, not excluded, spread over the set and over every range") {
    const RangeSet set = setOf({"10.9.0.0/24", "10.9.8.0/24"});
    const Exclusions ex = Exclusions::parse({"10.9.0.128/25"}, "exclude");
    std::set<net::IpAddress> seen;
    bool secondRange = false;
    for (std::uint64_t seed = 0; seed < 400; ++seed) {
        CandidatePicker p(set, ex, seed);
        const auto a = p.next();
        REQUIRE(a);
        CHECK_FALSE(whyUnassignable(set, ex, *a));
        seen.insert(*a);
        secondRange = secondRange || set[1].contains(*a);
    }
    CHECK(seen.size() > 150);  // random, not "the first free"
    CHECK(secondRange);
}

TEST_CASE("after a miss the next candidate comes from the window the failed claim read, never a known-taken one") {
    const RangeSet set = setOf({"10.9.0.0/24"});
    const Exclusions none;
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        CandidatePicker p(set, none, seed);
        // The claim of .10 failed; it read .10-.20 with every address but .17 taken.
        std::vector<net::IpAddress> taken;
        for (int i = 10; i <= 20; ++i) {
            if (i != 17) taken.push_back(ip("10.9.0.0").plus(static_cast<std::uint64_t>(i)));
        }
        p.missed(ip("10.9.0.10"), ip("10.9.0.20"), taken);
        CHECK(p.next() == ip("10.9.0.17"));
        // .17 taken too: the window is used up, the next pick is outside everything known taken.
        p.missed(ip("10.9.0.17"), ip("10.9.0.17"), {ip("10.9.0.17")});
        const auto a = p.next();
        REQUIRE(a);
        CHECK((*a < ip("10.9.0.10") || *a > ip("10.9.0.20")));
    }
}

TEST_CASE("a scan tells full from busy, and scans are asked for after repeated misses") {
    const RangeSet set = setOf({"10.9.0.0/29"});  // .2-.6 assignable (.1 gateway, .7 broadcast)
    const Exclusions none;
    CandidatePicker p(set, none, 7);
    CHECK_FALSE(p.wantsScan());
    for (unsigned i = 0; i < CandidatePicker::kMissesBeforeScan; ++i) {
        const auto a = p.next();
        REQUIRE(a);
        p.missed(*a, *a, {*a});
    }
    CHECK(p.wantsScan());
    p.scanned({ip("10.9.0.2"), ip("10.9.0.3"), ip("10.9.0.5"), ip("10.9.0.6")});
    CHECK(p.freshScan());
    CHECK(p.next() == ip("10.9.0.4"));
    p.scanned({ip("10.9.0.2"), ip("10.9.0.3"), ip("10.9.0.4"), ip("10.9.0.5"), ip("10.9.0.6")});
    CHECK_FALSE(p.next());  // full, and a fresh scan says so
    CHECK(p.freshScan());

    CandidatePicker avoid(set, none, 1);
    for (const char* a : {"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.6"}) avoid.avoid(ip(a));
    CHECK(avoid.next() == ip("10.9.0.5"));
}

TEST_CASE("IPv6 /64 ranges: random 64-bit offsets, no overflow") {
    const RangeSet set = setOf({"fd09::/64"});
    std::set<net::IpAddress> seen;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const auto a = CandidatePicker(set, Exclusions{}, seed).next();
        REQUIRE(a);
        CHECK(set[0].contains(*a));
        seen.insert(*a);
    }
    CHECK(seen.size() == 20);
}
