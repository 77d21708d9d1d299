#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "net/IpAddress.hpp"

using ibvf::net::Family;
using ibvf::net::IpAddress;
using ibvf::net::IpPrefix;

namespace {

IpAddress ip(const char* text) {
    auto a = IpAddress::parse(text);
    REQUIRE_MESSAGE(a.has_value(), text);
    return *a;
}

IpPrefix prefix(const char* text) {
    auto p = IpPrefix::parse(text);
    REQUIRE_MESSAGE(p.has_value(), text);
    return *p;
}

std::string canonical(const char* text) { return ip(text).toString(); }

}  // namespace

TEST_CASE("IPv4 parses dotted quads and formats them back") {
    const auto a = ip("10.1.2.3");
    CHECK(a.isV4());
    CHECK(a.family() == Family::V4);
    CHECK(a.bitLength() == 32);
    CHECK(a.bytes()[0] == 10);
    CHECK(a.bytes()[3] == 3);
    CHECK(a.toString() == "10.1.2.3");
    CHECK(canonical("0.0.0.0") == "0.0.0.0");
    CHECK(canonical("255.255.255.255") == "255.255.255.255");
    CHECK(IpAddress::v4(0x0A010203U) == a);
    CHECK(IpAddress().toString() == "0.0.0.0");
}

TEST_CASE("IPv4 rejects malformed text") {
    for (const char* bad :
         {"", "10.1.2", "10.1.2.3.4", "256.1.1.1", "10.1.2.3 ", " 10.1.2.3", "10.1.2.x", "010.1.2.3", "10.1.2.3/24", "1.2.3.-1"}) {
        CHECK_MESSAGE(!IpAddress::parse(bad).has_value(), bad);
    }
    // An embedded NUL must not let "1.2.3.4" with trailing junk through.
    CHECK(!IpAddress::parse(std::string_view("1.2.3.4\0junk", 12)).has_value());
}

TEST_CASE("IPv6 text is formatted in RFC 5952 canonical form") {
    CHECK(canonical("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
    CHECK(canonical("2001:0db8:0000:0000:0000:0000:0000:0001") == "2001:db8::1");
    CHECK(canonical("::") == "::");
    CHECK(canonical("::1") == "::1");
    CHECK(canonical("1::") == "1::");
    // A single zero group is not compressed (5952 4.2.2).
    CHECK(canonical("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
    // The longest run is compressed (4.2.3), the first one on a tie.
    CHECK(canonical("2001:0:0:1:0:0:0:1") == "2001:0:0:1::1");
    CHECK(canonical("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");
    // Leading zeros dropped, lowercase (4.1, 4.3).
    CHECK(canonical("FE80::00AB:0CDE") == "fe80::ab:cde");
    // IPv4-mapped keeps the dotted quad; the deprecated IPv4-compatible form is not produced.
    CHECK(canonical("::ffff:192.0.2.1") == "::ffff:192.0.2.1");
    CHECK(canonical("::1:2") == "::1:2");
    CHECK(canonical("::192.0.2.1") == "::c000:201");
    CHECK(canonical("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    const auto a = ip("fe80::1");
    CHECK(a.family() == Family::V6);
    CHECK(a.bitLength() == 128);
    CHECK(a.bytes()[0] == 0xfe);
    CHECK(a.bytes()[15] == 1);
}

TEST_CASE("IPv6 rejects malformed text and zone ids") {
    for (const char* bad : {"fe80::1%eth0", ":::", "1:2:3:4:5:6:7:8:9", "12345::", "1::2::3", "g::1", "::1/64"}) {
        CHECK_MESSAGE(!IpAddress::parse(bad).has_value(), bad);
    }
}

TEST_CASE("fromBytes round-trips both families") {
    const std::uint8_t v4[4] = {192, 168, 0, 1};
    CHECK(IpAddress::fromBytes(Family::V4, v4).toString() == "192.168.0.1");
    std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    v6[15] = 0x42;
    CHECK(IpAddress::fromBytes(Family::V6, v6).toString() == "2001:db8::42");
}

TEST_CASE("arithmetic carries across octets and wraps at the family's size") {
    CHECK(ip("10.0.0.255").next() == ip("10.0.1.0"));
    CHECK(ip("10.0.255.255").next() == ip("10.1.0.0"));
    CHECK(ip("10.1.0.0").prev() == ip("10.0.255.255"));
    CHECK(ip("10.0.0.1").plus(256 + 2) == ip("10.0.1.3"));
    CHECK(ip("10.0.1.3").minus(256 + 2) == ip("10.0.0.1"));
    CHECK(ip("255.255.255.255").next() == ip("0.0.0.0"));
    CHECK(ip("0.0.0.0").prev() == ip("255.255.255.255"));
    // Wrap modulo 2^32 for values larger than the space.
    CHECK(ip("10.0.0.1").plus(0x100000000ULL) == ip("10.0.0.1"));
    CHECK(ip("10.0.0.1").plus(0x100000001ULL) == ip("10.0.0.2"));

    CHECK(ip("2001:db8::ffff").next() == ip("2001:db8::1:0"));
    CHECK(ip("2001:db8::ffff:ffff:ffff:ffff").next() == ip("2001:db8:0:1::"));
    CHECK(ip("2001:db8:0:1::").prev() == ip("2001:db8::ffff:ffff:ffff:ffff"));
    CHECK(ip("::").plus(UINT64_MAX) == ip("::ffff:ffff:ffff:ffff"));
    CHECK(ip("::").plus(UINT64_MAX).next() == ip("::1:0:0:0:0"));
    CHECK(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next() == ip("::"));
    CHECK(ip("::").prev() == ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    // The family is kept: IPv4 arithmetic never spills into the unused bytes.
    CHECK(ip("255.255.255.255").plus(1).isV4());
    CHECK(ip("255.255.255.255").plus(1).bytes()[4] == 0);
}

TEST_CASE("distance is b - a and saturates beyond 64 bits") {
    CHECK(IpAddress::distance(ip("10.0.0.1"), ip("10.0.1.0")) == 255);
    CHECK(IpAddress::distance(ip("10.0.0.1"), ip("10.0.0.1")) == 0);
    CHECK(IpAddress::distance(ip("0.0.0.0"), ip("255.255.255.255")) == 0xFFFFFFFFULL);
    CHECK(IpAddress::distance(ip("2001:db8::"), ip("2001:db8::1:0")) == 0x10000);
    CHECK(IpAddress::distance(ip("::"), ip("::ffff:ffff:ffff:ffff")) == UINT64_MAX);
    CHECK(IpAddress::distance(ip("::"), ip("::1:0:0:0:0")) == UINT64_MAX);
    CHECK(IpAddress::distance(ip("2001:db8::"), ip("2001:db9::")) == UINT64_MAX);
    // Across the 64-bit boundary but still within 64 bits of each other.
    CHECK(IpAddress::distance(ip("::ffff:ffff:ffff:ffff"), ip("::1:0:0:0:1")) == 2);
}

TEST_CASE("ordering is by family, then numerically") {
    CHECK(ip("10.0.0.2") < ip("10.0.0.10"));
    CHECK(ip("9.255.255.255") < ip("10.0.0.0"));
    CHECK(ip("255.255.255.255") < ip("::"));
    CHECK(ip("2001:db8::2") > ip("2001:db8::1"));
    CHECK(ip("fe80::1") == ip("FE80:0::1"));
    CHECK(ip("10.0.0.1") != ip("10.0.0.2"));
}

TEST_CASE("prefix parsing") {
    const auto p = prefix("10.1.2.3/24");
    CHECK(p.address == ip("10.1.2.3"));
    CHECK(p.length == 24);
    CHECK(p.family() == Family::V4);
    CHECK(p.toString() == "10.1.2.3/24");
    CHECK(prefix("2001:DB8::1/64").toString() == "2001:db8::1/64");
    CHECK(prefix("0.0.0.0/0").length == 0);
    CHECK(prefix("::/128").length == 128);
    for (const char* bad : {"10.1.2.3", "10.1.2.3/", "10.1.2.3/33", "10.1.2.3/-1", "10.1.2.3/2a", "/24", "::/129", "10.1.2.3/24/1",
                            "10.1.2.3/ 24", "10.1.2.3/+24", "10.1.2.3/0024"}) {
        CHECK_MESSAGE(!IpPrefix::parse(bad).has_value(), bad);
    }
}

TEST_CASE("IPv4 prefix network, last address and containment") {
    SUBCASE("/0") {
        const auto p = prefix("10.1.2.3/0");
        CHECK(p.network() == ip("0.0.0.0"));
        CHECK(p.lastAddress() == ip("255.255.255.255"));
        CHECK(p.contains(ip("1.2.3.4")));
        CHECK(p.contains(ip("255.255.255.255")));
        CHECK_FALSE(p.contains(ip("::1")));
    }
    SUBCASE("/24") {
        const auto p = prefix("10.1.2.3/24");
        CHECK(p.network() == ip("10.1.2.0"));
        CHECK(p.lastAddress() == ip("10.1.2.255"));
        CHECK(p.contains(ip("10.1.2.0")));
        CHECK(p.contains(ip("10.1.2.255")));
        CHECK_FALSE(p.contains(ip("10.1.3.0")));
        CHECK_FALSE(p.contains(ip("10.1.1.255")));
    }
    SUBCASE("/31") {
        const auto p = prefix("10.1.2.5/31");
        CHECK(p.network() == ip("10.1.2.4"));
        CHECK(p.lastAddress() == ip("10.1.2.5"));
        CHECK(p.contains(ip("10.1.2.4")));
        CHECK_FALSE(p.contains(ip("10.1.2.6")));
    }
    SUBCASE("/32") {
        const auto p = prefix("10.1.2.5/32");
        CHECK(p.network() == ip("10.1.2.5"));
        CHECK(p.lastAddress() == ip("10.1.2.5"));
        CHECK(p.contains(ip("10.1.2.5")));
        CHECK_FALSE(p.contains(ip("10.1.2.4")));
    }
    SUBCASE("non-octet boundary /20") {
        const auto p = prefix("10.1.37.9/20");
        CHECK(p.network() == ip("10.1.32.0"));
        CHECK(p.lastAddress() == ip("10.1.47.255"));
    }
}

TEST_CASE("IPv6 prefix network, last address and containment") {
    SUBCASE("/0") {
        const auto p = prefix("2001:db8::1/0");
        CHECK(p.network() == ip("::"));
        CHECK(p.lastAddress() == ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        CHECK(p.contains(ip("fe80::1")));
        CHECK_FALSE(p.contains(ip("10.0.0.1")));
    }
    SUBCASE("/64") {
        const auto p = prefix("2001:db8:1:2:3:4:5:6/64");
        CHECK(p.network() == ip("2001:db8:1:2::"));
        CHECK(p.lastAddress() == ip("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        CHECK(p.contains(ip("2001:db8:1:2::abcd")));
        CHECK_FALSE(p.contains(ip("2001:db8:1:3::")));
    }
    SUBCASE("/127") {
        const auto p = prefix("2001:db8::3/127");
        CHECK(p.network() == ip("2001:db8::2"));
        CHECK(p.lastAddress() == ip("2001:db8::3"));
        CHECK(p.contains(ip("2001:db8::2")));
        CHECK_FALSE(p.contains(ip("2001:db8::4")));
    }
    SUBCASE("/128") {
        const auto p = prefix("2001:db8::3/128");
        CHECK(p.network() == ip("2001:db8::3"));
        CHECK(p.lastAddress() == ip("2001:db8::3"));
        CHECK(p.contains(ip("2001:db8::3")));
        CHECK_FALSE(p.contains(ip("2001:db8::2")));
    }
}

TEST_CASE("prefix contains prefix") {
    CHECK(prefix("10.0.0.0/8").contains(prefix("10.1.0.0/16")));
    CHECK(prefix("10.0.0.0/8").contains(prefix("10.0.0.0/8")));
    CHECK_FALSE(prefix("10.1.0.0/16").contains(prefix("10.0.0.0/8")));
    CHECK_FALSE(prefix("10.0.0.0/8").contains(prefix("11.0.0.0/16")));
    CHECK(prefix("0.0.0.0/0").contains(prefix("1.2.3.4/32")));
    CHECK_FALSE(prefix("0.0.0.0/0").contains(prefix("::/128")));
    CHECK(prefix("2001:db8::/32").contains(prefix("2001:db8:5::/48")));
    CHECK_FALSE(prefix("2001:db8::/48").contains(prefix("2001:db8::/32")));
}
