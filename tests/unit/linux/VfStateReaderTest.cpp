// The request VfStateReader sends for a PF named by its netdev (by ifindex it sends
// vfmsg::getLink, checked in VfControlTest.cpp).
#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <string>

#include "NlDecode.hpp"
#include "linux/VfStateReader.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

TEST_CASE("getLinkByName: RTM_GETLINK by IFLA_IFNAME asking for the VF list without stats") {
    const auto m = nl::decode(vfmsg::getLinkByName("ib0"), sizeof(ifinfomsg));
    CHECK(m.header.nlmsg_type == RTM_GETLINK);
    CHECK(m.header.nlmsg_flags == NLM_F_REQUEST);
    CHECK(nl::familyAs<ifinfomsg>(m).ifi_index == 0);
    REQUIRE(m.attrs.size() == 2);
    CHECK(m.attrs[0].type == IFLA_IFNAME);
    CHECK(m.attrs[0].str() == std::string("ib0", 4));
    CHECK(m.attrs[1].type == IFLA_EXT_MASK);
    CHECK(m.attrs[1].as<std::uint32_t>() == (RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS));
}
