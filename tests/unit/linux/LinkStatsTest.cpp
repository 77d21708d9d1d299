// The exact RTM_GETLINK requests LinkStatsReader sends, decoded by hand, and the parsing of
// fabricated RTM_NEWLINK replies carrying IFLA_STATS64.
#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "NlDecode.hpp"
#include "linux/LinkStats.hpp"
#include "linux/NetlinkSocket.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

namespace {

std::vector<std::uint8_t> newlink(int ifindex, unsigned flags, const char* name, const void* stats, std::size_t statsLen) {
    NlMessageBuilder b(RTM_NEWLINK, NLM_F_MULTI);
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    ifi.ifi_flags = flags;
    b.header(ifi);
    if (name) b.putString(IFLA_IFNAME, name);
    b.putU32(IFLA_MTU, 1500);
    if (stats) b.put(IFLA_STATS64, stats, statsLen);
    // Something after the stats, so a parser reading past a short IFLA_STATS64 reads non-zero.
    const std::vector<std::uint8_t> filler(256, 0xff);
    b.put(IFLA_AF_SPEC, filler.data(), filler.size());
    return b.finish();
}

}  // namespace

TEST_CASE("dumpLinks request: RTM_GETLINK dump with an empty extension mask") {
    const auto m = nl::decode(linkstatsmsg::dumpLinks(), sizeof(ifinfomsg));
    CHECK(m.header.nlmsg_type == RTM_GETLINK);
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
    const auto ifi = nl::familyAs<ifinfomsg>(m);
    CHECK(ifi.ifi_family == AF_UNSPEC);
    CHECK(ifi.ifi_index == 0);
    REQUIRE(m.attrs.size() == 1);
    CHECK(m.attrs[0].type == IFLA_EXT_MASK);
    CHECK(m.attrs[0].as<std::uint32_t>() == 0u);
}

TEST_CASE("getLink requests: by ifindex in the header, by name as IFLA_IFNAME") {
    const auto byIndex = nl::decode(linkstatsmsg::getLink(7), sizeof(ifinfomsg));
    CHECK(byIndex.header.nlmsg_type == RTM_GETLINK);
    CHECK(byIndex.header.nlmsg_flags == NLM_F_REQUEST);
    CHECK(nl::familyAs<ifinfomsg>(byIndex).ifi_index == 7);
    CHECK(nl::typesOf(byIndex.attrs) == std::vector<std::uint16_t>{IFLA_EXT_MASK});

    const auto byName = nl::decode(linkstatsmsg::getLink(std::string_view("net1")), sizeof(ifinfomsg));
    CHECK(byName.header.nlmsg_flags == NLM_F_REQUEST);
    CHECK(nl::familyAs<ifinfomsg>(byName).ifi_index == 0);
    REQUIRE(byName.attrs.size() == 2);
    CHECK(byName.attrs[0].type == IFLA_IFNAME);
    CHECK(byName.attrs[0].str() == std::string("net1", 5));
    CHECK(byName.attrs[1].type == IFLA_EXT_MASK);
}

TEST_CASE("parseLink: name, flags and every IFLA_STATS64 field the collector reads") {
    rtnl_link_stats64 s{};
    s.rx_packets = 1;
    s.tx_packets = 2;
    s.rx_bytes = 3;
    s.tx_bytes = 4;
    s.rx_errors = 5;
    s.tx_errors = 6;
    s.rx_dropped = 7;
    s.tx_dropped = 8;
    s.multicast = 9;
    s.rx_over_errors = 10;
    s.rx_crc_errors = 11;
    s.rx_frame_errors = 12;
    s.rx_missed_errors = 13;
    s.collisions = 99;
    const auto link = linkstatsmsg::parseLink(newlink(5, IFF_UP | IFF_LOWER_UP, "net1", &s, sizeof s));
    REQUIRE(link);
    CHECK(link->ifindex == 5);
    CHECK(link->name == "net1");
    CHECK(link->adminUp);
    CHECK(link->lowerUp);
    const LinkStats& st = link->stats;
    CHECK(st.rxPackets == 1);
    CHECK(st.txPackets == 2);
    CHECK(st.rxBytes == 3);
    CHECK(st.txBytes == 4);
    CHECK(st.rxErrors == 5);
    CHECK(st.txErrors == 6);
    CHECK(st.rxDropped == 7);
    CHECK(st.txDropped == 8);
    CHECK(st.multicast == 9);
    CHECK(st.rxOverErrors == 10);
    CHECK(st.rxCrcErrors == 11);
    CHECK(st.rxFrameErrors == 12);
    CHECK(st.rxMissedErrors == 13);

    const auto down = linkstatsmsg::parseLink(newlink(6, IFF_UP, "net2", &s, sizeof s));
    REQUIRE(down);
    CHECK(down->adminUp);
    CHECK_FALSE(down->lowerUp);
}

TEST_CASE("parseLink: an older kernel's shorter stats struct reads the missing fields as 0; no stats or name is nullopt") {
    rtnl_link_stats64 s{};
    s.rx_bytes = 42;
    s.rx_missed_errors = 77;  // beyond the first 8 fields: cut off below
    const auto shortLink = linkstatsmsg::parseLink(newlink(5, 0, "net1", &s, 8 * sizeof(std::uint64_t)));
    REQUIRE(shortLink);
    CHECK(shortLink->stats.rxBytes == 42);
    CHECK(shortLink->stats.rxMissedErrors == 0);

    CHECK_FALSE(linkstatsmsg::parseLink(newlink(5, 0, "net1", nullptr, 0)));
    CHECK_FALSE(linkstatsmsg::parseLink(newlink(5, 0, nullptr, &s, sizeof s)));
    const std::vector<std::uint8_t> truncated(10, 0);
    CHECK_FALSE(linkstatsmsg::parseLink(truncated));
}
