// Partition keys, and the exact RTM_NEWLINK / RTM_DELLINK requests for IPoIB children, decoded
// by hand.
#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "NlDecode.hpp"
#include "linux/IpoibLink.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

namespace {

std::string pkeyError(const char* text) {
    try {
        Pkey::parse(text);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("Pkey: hex and decimal spellings") {
    CHECK(Pkey::parse("0x8001").value() == 0x8001);
    CHECK(Pkey::parse("0X8001").value() == 0x8001);
    CHECK(Pkey::parse("32769").value() == 0x8001);
    CHECK(Pkey::parse("0x7fff").value() == 0x7fff);
    CHECK(Pkey::parse("0xffff").value() == 0xffff);
    CHECK(Pkey::parse("0x1").value() == 0x0001);
    // Decimal, not octal: a leading zero changes nothing.
    CHECK(Pkey::parse("010").value() == 10);
}

TEST_CASE("Pkey: the full-membership bit") {
    const auto limited = Pkey::parse("0x0001");
    CHECK_FALSE(limited.fullMember());
    CHECK(limited.partition() == 1);
    CHECK(limited.forKernel() == 0x8001);
    CHECK(limited.str() == "0x8001");
    const auto full = Pkey::parse("0x8001");
    CHECK(full.fullMember());
    CHECK(full.partition() == 1);
    CHECK(full.forKernel() == 0x8001);
    CHECK(Pkey::parse("0xABCD").str() == "0xabcd");
}

TEST_CASE("Pkey: malformed, too large and partition 0 are refused with the reason") {
    CHECK(contains(pkeyError(""), "expected a number"));
    CHECK(contains(pkeyError("0x"), "expected a number"));
    CHECK(contains(pkeyError("0x8001 "), "expected a number"));
    CHECK(contains(pkeyError("-1"), "expected a number"));
    CHECK(contains(pkeyError("0x8g01"), "expected a number"));
    CHECK(contains(pkeyError("abc"), "pkey \"abc\""));
    CHECK(contains(pkeyError("0x10000"), "at most 0xffff"));
    CHECK(contains(pkeyError("65536"), "at most 0xffff"));
    CHECK(contains(pkeyError("99999999999999999999999"), "at most 0xffff"));
    CHECK(contains(pkeyError("0"), "partition 0"));
    CHECK(contains(pkeyError("0x8000"), "partition 0"));
    CHECK_THROWS_AS(Pkey::fromValue(0x8000), std::invalid_argument);
    CHECK(Pkey::fromValue(0x8002).value() == 0x8002);
}

TEST_CASE("newChild request: parent, name, kind ipoib and the partition data") {
    IpoibChildSpec spec;
    spec.parentIfindex = 11;
    spec.name = "net1";
    spec.pkey = Pkey::parse("0x0001");
    spec.mode = IpoibMode::Connected;
    spec.umcast = true;
    const auto m = nl::decode(ipoibmsg::newChild(spec), sizeof(ifinfomsg));
    CHECK(m.header.nlmsg_type == RTM_NEWLINK);
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
    const auto ifi = nl::familyAs<ifinfomsg>(m);
    CHECK(ifi.ifi_family == AF_UNSPEC);
    CHECK(ifi.ifi_index == 0);

    CHECK(nl::typesOf(m.attrs) == std::vector<std::uint16_t>{IFLA_LINK, IFLA_IFNAME, IFLA_LINKINFO});
    CHECK(m.attrs[0].as<std::uint32_t>() == 11u);
    CHECK(m.attrs[1].str() == std::string("net1\0", 5));

    const auto info = nl::nested(m.attrs[2]);
    CHECK(nl::typesOf(info) == std::vector<std::uint16_t>{IFLA_INFO_KIND, IFLA_INFO_DATA});
    CHECK(info[0].str() == std::string("ipoib\0", 6));
    const auto data = nl::nested(info[1]);
    CHECK(nl::typesOf(data) == std::vector<std::uint16_t>{IFLA_IPOIB_PKEY, IFLA_IPOIB_MODE, IFLA_IPOIB_UMCAST});
    CHECK(data[0].as<std::uint16_t>() == 0x8001);  // the kernel would set the full-membership bit anyway
    CHECK(data[1].as<std::uint16_t>() == IPOIB_MODE_CONNECTED);
    CHECK(data[2].as<std::uint16_t>() == 1);
}

TEST_CASE("newChild request: defaults are datagram mode without umcast") {
    IpoibChildSpec spec;
    spec.parentIfindex = 2;
    spec.name = "ib0.8002";
    spec.pkey = Pkey::parse("0x8002");
    const auto m = nl::decode(ipoibmsg::newChild(spec), sizeof(ifinfomsg));
    REQUIRE(m.attrs.size() == 3);
    const auto data = nl::nested(nl::nested(m.attrs[2])[1]);
    REQUIRE(data.size() == 3);
    CHECK(data[0].as<std::uint16_t>() == 0x8002);
    CHECK(data[1].as<std::uint16_t>() == IPOIB_MODE_DATAGRAM);
    CHECK(data[2].as<std::uint16_t>() == 0);
}

TEST_CASE("deleteLink request: RTM_DELLINK by ifindex") {
    const auto bytes = ipoibmsg::deleteLink(23);
    const auto m = nl::decode(bytes, sizeof(ifinfomsg));
    CHECK(m.header.nlmsg_type == RTM_DELLINK);
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
    CHECK(nl::familyAs<ifinfomsg>(m).ifi_index == 23);
    CHECK(m.attrs.empty());
    CHECK(bytes.size() == 32);
}
