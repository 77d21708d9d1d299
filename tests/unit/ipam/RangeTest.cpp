#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/Range.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using ibvf::ipam::test::errorOf;
using ibvf::ipam::test::ip;

namespace {

Range range(std::string subnet, std::optional<std::string> start = {}, std::optional<std::string> end = {},
            std::optional<std::string> gw = {}) {
    return makeRange(RangeSpec{std::move(subnet), std::move(start), std::move(end), std::move(gw)}, "r");
}

void expectInvalid(const RangeSpec& spec, const char* fragment) {
    const auto e = errorOf([&] { makeRange(spec, "ipam.ranges[0][0]"); });
    CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
    CHECK_MESSAGE(e.msg().find(fragment) != std::string::npos, e.msg());
    CHECK_MESSAGE(e.msg().find("ipam.ranges[0][0]") != std::string::npos, e.msg());
}

}  // namespace

TEST_CASE("range defaults follow host-local on an IPv4 /24") {
    const Range r = range("10.1.2.0/24");
    CHECK(r.start == ip("10.1.2.1"));
    CHECK(r.end == ip("10.1.2.254"));
    REQUIRE(r.gateway);
    CHECK(*r.gateway == ip("10.1.2.1"));
    CHECK_FALSE(r.isAssignable(ip("10.1.2.0")));  // network
    CHECK_FALSE(r.isAssignable(ip("10.1.2.1")));  // gateway
    CHECK(r.isAssignable(ip("10.1.2.2")));
    CHECK(r.isAssignable(ip("10.1.2.254")));
    CHECK_FALSE(r.contains(ip("10.1.2.255")));  // broadcast is past the end
    CHECK_FALSE(r.isAssignable(ip("10.1.3.2")));
    CHECK_FALSE(r.contains(ip("fd00::2")));
    CHECK(r.describe() == "10.1.2.0/24 (10.1.2.1-10.1.2.254)");
}

TEST_CASE("range defaults on IPv6 keep the last address (no broadcast)") {
    const Range r = range("fd00:1::/120");
    CHECK(r.start == ip("fd00:1::1"));
    CHECK(r.end == ip("fd00:1::ff"));
    CHECK(*r.gateway == ip("fd00:1::1"));
    CHECK_FALSE(r.isAssignable(ip("fd00:1::")));
    CHECK(r.isAssignable(ip("fd00:1::ff")));
}

TEST_CASE("point-to-point prefixes: every address usable, no default gateway") {
    SUBCASE("/31") {
        const Range r = range("10.0.0.4/31");
        CHECK(r.start == ip("10.0.0.4"));
        CHECK(r.end == ip("10.0.0.5"));
        CHECK_FALSE(r.gateway);
        CHECK(r.isAssignable(ip("10.0.0.4")));
        CHECK(r.isAssignable(ip("10.0.0.5")));
    }
    SUBCASE("/32") {
        const Range r = range("10.0.0.9/32");
        CHECK(r.start == ip("10.0.0.9"));
        CHECK(r.end == ip("10.0.0.9"));
        CHECK_FALSE(r.gateway);
        CHECK(r.isAssignable(ip("10.0.0.9")));
        CHECK_FALSE(r.isAssignable(ip("10.0.0.10")));
    }
    SUBCASE("/127") {
        const Range r = range("fd00::a/127");
        CHECK(r.start == ip("fd00::a"));
        CHECK(r.end == ip("fd00::b"));
        CHECK_FALSE(r.gateway);
    }
    SUBCASE("/128") {
        const Range r = range("fd00::7/128");
        CHECK(r.start == r.end);
        CHECK(r.isAssignable(ip("fd00::7")));
    }
    SUBCASE("/30 still has network and broadcast") {
        const Range r = range("10.0.0.8/30");
        CHECK(r.start == ip("10.0.0.9"));
        CHECK(r.end == ip("10.0.0.10"));
        CHECK(*r.gateway == ip("10.0.0.9"));
    }
    SUBCASE("a /32 with an off-subnet gateway (point-to-point next hop)") {
        const Range r = range("10.0.0.9/32", {}, {}, "169.254.1.1");
        CHECK(*r.gateway == ip("169.254.1.1"));
        CHECK(r.isAssignable(ip("10.0.0.9")));
    }
}

TEST_CASE("explicit start/end/gateway, ranges crossing octets") {
    const Range r = range("10.1.0.0/22", "10.1.0.250", "10.1.3.5", "10.1.1.1");
    CHECK(r.contains(ip("10.1.0.255")));
    CHECK(r.isAssignable(ip("10.1.0.255")));  // not a broadcast inside a /22
    CHECK(r.isAssignable(ip("10.1.1.0")));    // not a network address either
    CHECK_FALSE(r.isAssignable(ip("10.1.1.1")));
    CHECK_FALSE(r.contains(ip("10.1.0.249")));
    CHECK_FALSE(r.contains(ip("10.1.3.6")));

    const Range v6 = range("fd00::/64", "fd00::ffff", "fd00::1:0002");
    CHECK(v6.contains(ip("fd00::1:0")));
    CHECK(v6.isAssignable(ip("fd00::1:0")));
}

TEST_CASE("range validation errors name the field") {
    expectInvalid({"", {}, {}, {}}, "subnet is required");
    expectInvalid({"10.1.2.0", {}, {}, {}}, "is not a CIDR");
    expectInvalid({"10.1.2.0/33", {}, {}, {}}, "is not a CIDR");
    expectInvalid({"10.1.2.5/24", {}, {}, {}}, "has host bits set");
    expectInvalid({"10.1.2.0/24", "10.1.3.1", {}, {}}, "rangeStart 10.1.3.1 is outside subnet");
    expectInvalid({"10.1.2.0/24", "bogus", {}, {}}, "rangeStart 'bogus' is not an IP address");
    expectInvalid({"10.1.2.0/24", {}, "10.1.2.255", {}}, "broadcast address");
    expectInvalid({"10.1.2.0/24", "10.1.2.0", {}, {}}, "network address");
    expectInvalid({"10.1.2.0/24", "10.1.2.100", "10.1.2.50", {}}, "is before rangeStart");
    expectInvalid({"10.1.2.0/24", {}, {}, "fd00::1"}, "gateway fd00::1 is not of the family");
    expectInvalid({"10.1.2.0/24", {}, {}, "x"}, "gateway 'x' is not an IP address");
    expectInvalid({"fd00::/64", "10.0.0.1", {}, {}}, "outside subnet");
}

TEST_CASE("range sets: one family per set, no overlaps anywhere") {
    const auto expectSetsInvalid = [](const std::vector<RangeSet>& sets, const char* fragment) {
        const auto e = errorOf([&] { validateRangeSets(sets); });
        CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
        CHECK_MESSAGE(e.msg().find(fragment) != std::string::npos, e.msg());
    };
    validateRangeSets({{range("10.1.0.0/24"), range("10.2.0.0/24")}, {range("fd00::/64")}});
    expectSetsInvalid({{range("10.1.0.0/24"), range("fd00::/64")}}, "mixes IPv4 and IPv6");
    expectSetsInvalid({{range("10.1.0.0/24")}, {range("10.1.0.0/25")}}, "overlaps");
    expectSetsInvalid({{range("10.1.0.0/24", "10.1.0.10", "10.1.0.20"), range("10.1.0.0/24", "10.1.0.20", "10.1.0.30")}}, "overlaps");
    expectSetsInvalid({{}}, "at least one range");
    // Disjoint pieces of one subnet are fine.
    validateRangeSets({{range("10.1.0.0/24", "10.1.0.10", "10.1.0.19"), range("10.1.0.0/24", "10.1.0.20", "10.1.0.30")}});
}

TEST_CASE("rangeIndexFor finds the range by [start, end]") {
    const RangeSet set{range("10.1.0.0/24", "10.1.0.10", "10.1.0.19"), range("10.2.0.0/24")};
    CHECK(rangeIndexFor(set, ip("10.1.0.10")) == 0U);
    CHECK(rangeIndexFor(set, ip("10.2.0.200")) == 1U);
    CHECK_FALSE(rangeIndexFor(set, ip("10.1.0.9")));
    CHECK_FALSE(rangeIndexFor(set, ip("fd00::1")));
}
