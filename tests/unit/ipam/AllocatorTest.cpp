#include <set>

#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/Allocator.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using ibvf::ipam::test::errorOf;
using ibvf::ipam::test::ip;

namespace {

Range range(std::string subnet, std::optional<std::string> start = {}, std::optional<std::string> end = {},
            std::optional<std::string> gw = {}) {
    return makeRange(RangeSpec{std::move(subnet), std::move(start), std::move(end), std::move(gw)}, "r");
}

// A store stand-in: the allocator only asks "taken?".
struct Taken {
    std::set<net::IpAddress> addrs;
    std::size_t probes = 0;
    IsTaken probe() {
        return [this](const net::IpAddress& a) {
            ++probes;
            return addrs.count(a) > 0;
        };
    }
};

// Allocates like the store would: next after the cursor, then it becomes the cursor.
std::vector<std::string> allocateN(const RangeSet& set, const Exclusions& ex, Taken& taken, std::size_t n,
                                   std::optional<net::IpAddress>& cursor) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto a = nextFree(set, ex, cursor, taken.probe());
        if (!a) break;
        taken.addrs.insert(*a);
        cursor = *a;
        out.push_back(a->toString());
    }
    return out;
}

}  // namespace

TEST_CASE("round robin from the cursor skips the gateway and continues past freed addresses") {
    const RangeSet set{range("10.1.2.0/29")};  // .1 gateway, .2-.6 usable
    Taken taken;
    std::optional<net::IpAddress> cursor;
    CHECK(allocateN(set, {}, taken, 3, cursor) == std::vector<std::string>{"10.1.2.2", "10.1.2.3", "10.1.2.4"});
    taken.addrs.erase(ip("10.1.2.2"));  // released: round robin does not jump back to it
    CHECK(allocateN(set, {}, taken, 2, cursor) == std::vector<std::string>{"10.1.2.5", "10.1.2.6"});
    // Wraps around to the start, skipping the gateway, and finds the freed one.
    CHECK(allocateN(set, {}, taken, 1, cursor) == std::vector<std::string>{"10.1.2.2"});
    // Full now.
    CHECK_FALSE(nextFree(set, {}, cursor, taken.probe()));
}

TEST_CASE("a cursor outside the set (config changed) starts from the beginning") {
    const RangeSet set{range("10.1.2.0/24")};
    Taken taken;
    CHECK(nextFree(set, {}, ip("192.168.0.9"), taken.probe()) == ip("10.1.2.2"));
    CHECK(nextFree(set, {}, ip("fd00::9"), taken.probe()) == ip("10.1.2.2"));
    CHECK(nextFree(set, {}, std::nullopt, taken.probe()) == ip("10.1.2.2"));
}

TEST_CASE("wrap-around across several ranges of a set, crossing octets") {
    const RangeSet set{range("10.1.0.0/16", "10.1.0.254", "10.1.1.1"), range("10.9.0.0/24", "10.9.0.7", "10.9.0.8")};
    Taken taken;
    std::optional<net::IpAddress> cursor = ip("10.1.0.254");
    CHECK(allocateN(set, {}, taken, 6, cursor) ==
          std::vector<std::string>{"10.1.0.255", "10.1.1.0", "10.1.1.1", "10.9.0.7", "10.9.0.8", "10.1.0.254"});
    CHECK_FALSE(nextFree(set, {}, cursor, taken.probe()));
}

TEST_CASE("cursor on a range's last address moves to the next range") {
    const RangeSet set{range("10.1.0.0/24", "10.1.0.10", "10.1.0.11"), range("10.2.0.0/24", "10.2.0.10", "10.2.0.11")};
    Taken taken;
    CHECK(nextFree(set, {}, ip("10.1.0.11"), taken.probe()) == ip("10.2.0.10"));
    CHECK(nextFree(set, {}, ip("10.2.0.11"), taken.probe()) == ip("10.1.0.10"));
}

TEST_CASE("exclusions: single addresses and whole blocks, jumped in one step") {
    const RangeSet set{range("10.1.0.0/16")};
    const auto ex = Exclusions::parse({"10.1.0.2", "10.1.0.4/30", "10.1.1.0/24"}, "ipam.exclude");
    Taken taken;
    std::optional<net::IpAddress> cursor;
    CHECK(allocateN(set, ex, taken, 3, cursor) == std::vector<std::string>{"10.1.0.3", "10.1.0.8", "10.1.0.9"});

    cursor = ip("10.1.0.254");
    taken.probes = 0;
    // .255 of the /16 is an ordinary address; the excluded /24 costs no probes.
    CHECK(allocateN(set, ex, taken, 2, cursor) == std::vector<std::string>{"10.1.0.255", "10.1.2.0"});
    CHECK(taken.probes == 2);
}

TEST_CASE("an exclusion covering the end of the walk, and the range's top") {
    const RangeSet set{range("10.1.2.0/24")};
    const auto ex = Exclusions::parse({"10.1.2.128/25"}, "ipam.exclude");
    Taken taken;
    CHECK(nextFree(set, ex, ip("10.1.2.127"), taken.probe()) == ip("10.1.2.2"));
    const auto all = Exclusions::parse({"10.1.2.0/24"}, "ipam.exclude");
    CHECK_FALSE(nextFree(set, all, std::nullopt, taken.probe()));
}

TEST_CASE("IPv6 allocation at the top of the address space does not wrap into ::") {
    const RangeSet set{range("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124")};
    Taken taken;
    std::optional<net::IpAddress> cursor = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
    CHECK(allocateN(set, {}, taken, 1, cursor) == std::vector<std::string>{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"});
    CHECK(allocateN(set, {}, taken, 1, cursor) == std::vector<std::string>{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff2"});

    const RangeSet top4{range("255.255.255.252/30")};
    CHECK(nextFree(top4, {}, ip("255.255.255.254"), taken.probe()) == ip("255.255.255.254"));
}

TEST_CASE("point-to-point edges allocate every address") {
    Taken taken;
    std::optional<net::IpAddress> cursor;
    CHECK(allocateN({range("10.0.0.4/31")}, {}, taken, 3, cursor) == std::vector<std::string>{"10.0.0.4", "10.0.0.5"});
    cursor.reset();
    CHECK(allocateN({range("10.0.0.9/32")}, {}, taken, 2, cursor) == std::vector<std::string>{"10.0.0.9"});
    cursor.reset();
    CHECK(allocateN({range("fd00::a/127")}, {}, taken, 3, cursor) == std::vector<std::string>{"fd00::a", "fd00::b"});
    cursor.reset();
    CHECK(allocateN({range("fd00::7/128")}, {}, taken, 2, cursor) == std::vector<std::string>{"fd00::7"});
}

TEST_CASE("exhaustion of a full /24: 253 addresses (254 minus the gateway), then nothing") {
    const RangeSet set{range("10.5.5.0/24")};
    Taken taken;
    std::optional<net::IpAddress> cursor;
    CHECK(allocateN(set, {}, taken, 300, cursor).size() == 253);
    CHECK_FALSE(nextFree(set, {}, cursor, taken.probe()));
}

TEST_CASE("one probe per ADD with 60,000 leases in a /16 (the cursor, not a scan)") {
    const RangeSet set{range("10.30.0.0/16")};
    Taken taken;
    net::IpAddress a = ip("10.30.0.2");
    for (int i = 0; i < 60000; ++i, a = a.next()) taken.addrs.insert(a);
    const std::optional<net::IpAddress> cursor = a.prev();
    taken.probes = 0;
    CHECK(nextFree(set, {}, cursor, taken.probe()) == a);
    CHECK(taken.probes == 1);
}

TEST_CASE("whyUnassignable explains requested addresses") {
    const RangeSet set{range("10.1.2.0/24", "10.1.2.1", "10.1.2.200")};
    const auto ex = Exclusions::parse({"10.1.2.50/31"}, "ipam.exclude");
    CHECK_FALSE(whyUnassignable(set, ex, ip("10.1.2.7")));
    CHECK(whyUnassignable(set, ex, ip("10.1.2.1"))->find("gateway") != std::string::npos);
    CHECK(whyUnassignable(set, ex, ip("10.1.2.51"))->find("excluded (10.1.2.50/31)") != std::string::npos);
    CHECK(whyUnassignable(set, ex, ip("10.1.2.201"))->find("outside") != std::string::npos);
}

TEST_CASE("matchRequested spreads addresses over the sets") {
    const std::vector<RangeSet> sets{{range("10.1.2.0/24")}, {range("fd00::/64")}};
    auto m = matchRequested(sets, {ip("fd00::5"), ip("10.1.2.9")}, "n");
    REQUIRE(m.size() == 2);
    CHECK(m[0] == ip("10.1.2.9"));
    CHECK(m[1] == ip("fd00::5"));
    m = matchRequested(sets, {}, "n");
    CHECK_FALSE(m[0]);
    CHECK_FALSE(m[1]);

    auto e = errorOf([&] { matchRequested(sets, {ip("10.9.9.9")}, "mynet"); });
    CHECK(e.code() == cni::ErrorCode::IpamFailure);
    CHECK(e.msg().find("network mynet: requested address 10.9.9.9 is outside every range") != std::string::npos);
    e = errorOf([&] { matchRequested(sets, {ip("10.1.2.9"), ip("10.1.2.10")}, "mynet"); });
    CHECK(e.code() == cni::ErrorCode::IpamFailure);
    CHECK(e.msg().find("same range set") != std::string::npos);
}

TEST_CASE("exclude entries are validated") {
    const auto e = errorOf([] { Exclusions::parse({"10.1.2.0/24", "nope"}, "ipam.exclude"); });
    CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg().find("ipam.exclude[1]: 'nope'") != std::string::npos);
    const auto ex = Exclusions::parse({"10.1.2.7/30", "fd00::1"}, "x");
    CHECK(ex.contains(ip("10.1.2.4")));  // host bits of the entry ignored: the whole /30
    CHECK(ex.contains(ip("fd00::1")));
    CHECK_FALSE(ex.contains(ip("fd00::2")));
}
