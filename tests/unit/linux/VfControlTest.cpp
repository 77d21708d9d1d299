// The exact requests NetlinkVfControl sends to a PF, decoded by hand, and the parsing of the
// VF list the kernel reports.
#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "NlDecode.hpp"
#include "linux/Guid.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/VfControl.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

namespace {

struct VfAttr {
    std::uint16_t type;
    std::vector<std::uint8_t> payload;
};

// Decodes RTM_SETLINK{ifinfomsg, IFLA_VFINFO_LIST{IFLA_VF_INFO{one attribute}}} and checks the
// frame; returns that one VF attribute.
nl::Attr decodeSetVf(const std::vector<std::uint8_t>& bytes, int pfIfindex) {
    const auto m = nl::decode(bytes, sizeof(ifinfomsg));
    CHECK(m.header.nlmsg_type == RTM_SETLINK);
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
    const auto ifi = nl::familyAs<ifinfomsg>(m);
    CHECK(ifi.ifi_family == AF_UNSPEC);
    CHECK(ifi.ifi_index == pfIfindex);
    CHECK(ifi.ifi_flags == 0u);
    CHECK(ifi.ifi_change == 0u);
    REQUIRE(m.attrs.size() == 1);
    CHECK(m.attrs[0].type == IFLA_VFINFO_LIST);
    const auto infos = nl::nested(m.attrs[0]);
    REQUIRE(infos.size() == 1);
    CHECK(infos[0].type == IFLA_VF_INFO);
    const auto vfAttrs = nl::nested(infos[0]);
    REQUIRE(vfAttrs.size() == 1);
    return vfAttrs[0];
}

void checkGuidPayload(const nl::Attr& a, std::uint32_t vf, std::uint64_t guid) {
    // struct ifla_vf_guid { __u32 vf; (4 bytes padding) __u64 guid; }, host order.
    REQUIRE(a.payload.size() == 16);
    std::uint32_t gotVf;
    std::uint64_t gotGuid;
    std::memcpy(&gotVf, a.payload.data(), 4);
    std::memcpy(&gotGuid, a.payload.data() + 8, 8);
    CHECK(gotVf == vf);
    CHECK(gotGuid == guid);
    CHECK(std::vector<std::uint8_t>(a.payload.begin() + 4, a.payload.begin() + 8) == std::vector<std::uint8_t>(4, 0));
}

}  // namespace

TEST_CASE("setGuid request: node and port GUID of one VF, on the PF") {
    const std::uint64_t guid = Guid::parse("00:11:22:33:44:55:66:77")->value();
    REQUIRE(guid == 0x0011223344556677ULL);

    const auto node = vfmsg::setGuid(5, 3, vfmsg::GuidKind::Node, guid);
    CHECK(node.size() == 16 + 16 + 4 + 4 + 4 + 16);
    const auto nodeAttr = decodeSetVf(node, 5);
    CHECK(nodeAttr.type == IFLA_VF_IB_NODE_GUID);
    checkGuidPayload(nodeAttr, 3, 0x0011223344556677ULL);

    const auto port = vfmsg::setGuid(42, 0, vfmsg::GuidKind::Port, 0xfedcba9876543210ULL);
    const auto portAttr = decodeSetVf(port, 42);
    CHECK(portAttr.type == IFLA_VF_IB_PORT_GUID);
    checkGuidPayload(portAttr, 0, 0xfedcba9876543210ULL);
}

TEST_CASE("setGuid request: the exact bytes on a little-endian host") {
    if (std::uint16_t one = 1; *reinterpret_cast<std::uint8_t*>(&one) != 1) return;  // host order is the point
    const auto bytes = vfmsg::setGuid(5, 3, vfmsg::GuidKind::Node, 0x0011223344556677ULL);
    const std::vector<std::uint8_t> expected = {
        60,
        0,
        0,
        0,
        RTM_SETLINK,
        0,
        NLM_F_REQUEST | NLM_F_ACK,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,  // nlmsghdr
        0,
        0,
        0,
        0,
        5,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,  // ifinfomsg, index 5
        28,
        0,
        IFLA_VFINFO_LIST,
        0,  //
        24,
        0,
        IFLA_VF_INFO,
        0,  //
        20,
        0,
        IFLA_VF_IB_NODE_GUID,
        0,  //
        3,
        0,
        0,
        0,
        0,
        0,
        0,
        0,  // vf 3 + padding
        0x77,
        0x66,
        0x55,
        0x44,
        0x33,
        0x22,
        0x11,
        0x00,  // guid, host order
    };
    CHECK(bytes == expected);
}

TEST_CASE("setLinkState request: IFLA_VF_LINK_STATE {vf, state}") {
    for (const auto state : {VfLinkState::Auto, VfLinkState::Enable, VfLinkState::Disable}) {
        const auto a = decodeSetVf(vfmsg::setLinkState(7, 12, state), 7);
        CHECK(a.type == IFLA_VF_LINK_STATE);
        const auto s = a.as<ifla_vf_link_state>();
        CHECK(s.vf == 12u);
        CHECK(s.link_state == static_cast<std::uint32_t>(state));
    }
    CHECK(decodeSetVf(vfmsg::setLinkState(7, 1, VfLinkState::Disable), 7).as<ifla_vf_link_state>().link_state ==
          static_cast<std::uint32_t>(IFLA_VF_LINK_STATE_DISABLE));
    CHECK(static_cast<std::uint32_t>(VfLinkState::Enable) == static_cast<std::uint32_t>(IFLA_VF_LINK_STATE_ENABLE));
}

TEST_CASE("getLink request: the PF with VF info and without statistics") {
    const auto m = nl::decode(vfmsg::getLink(9), sizeof(ifinfomsg));
    CHECK(m.header.nlmsg_type == RTM_GETLINK);
    CHECK(m.header.nlmsg_flags == NLM_F_REQUEST);
    CHECK(nl::familyAs<ifinfomsg>(m).ifi_index == 9);
    REQUIRE(m.attrs.size() == 1);
    CHECK(m.attrs[0].type == IFLA_EXT_MASK);
    CHECK(m.attrs[0].as<std::uint32_t>() == (RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS));
}

TEST_CASE("link state words") {
    CHECK(parseVfLinkState("auto") == VfLinkState::Auto);
    CHECK(parseVfLinkState("enable") == VfLinkState::Enable);
    CHECK(parseVfLinkState("disable") == VfLinkState::Disable);
    CHECK_FALSE(parseVfLinkState("Enable"));
    CHECK_FALSE(parseVfLinkState("up"));
    CHECK_FALSE(parseVfLinkState(""));
    CHECK(std::string(vfLinkStateName(VfLinkState::Disable)) == "disable");
}

namespace {

// An RTM_NEWLINK reply as the kernel would send it for a PF with VFs.
template <class Fill>
std::vector<std::uint8_t> newlinkReply(Fill fill) {
    NlMessageBuilder b(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = 5;
    b.header(ifi);
    b.putString(IFLA_IFNAME, "ib0");
    fill(b);
    b.putU32(IFLA_MTU, 2044);
    return b.finish();
}

void putVf(NlMessageBuilder& b, std::uint32_t vf, std::uint32_t state, const std::uint64_t* node, const std::uint64_t* port) {
    const auto info = b.beginNested(IFLA_VF_INFO);
    ifla_vf_mac mac{};
    mac.vf = vf;
    b.putStruct(IFLA_VF_MAC, mac);
    ifla_vf_spoofchk spoof{};
    spoof.vf = vf;
    b.putStruct(IFLA_VF_SPOOFCHK, spoof);
    ifla_vf_link_state ls{};
    ls.vf = vf;
    ls.link_state = state;
    b.putStruct(IFLA_VF_LINK_STATE, ls);
    if (node) {
        ifla_vf_guid g{};
        g.vf = vf;
        g.guid = *node;
        b.putStruct(IFLA_VF_IB_NODE_GUID, g);
    }
    if (port) {
        ifla_vf_guid g{};
        g.vf = vf;
        g.guid = *port;
        b.putStruct(IFLA_VF_IB_PORT_GUID, g);
    }
    b.endNested(info);
}

}  // namespace

TEST_CASE("parseVfList: each VF's index, link state and GUIDs when reported") {
    const std::uint64_t node = 0x0011223344556677ULL;
    const std::uint64_t port = 0x0011223344556678ULL;
    const auto reply = newlinkReply([&](NlMessageBuilder& b) {
        b.putU32(IFLA_NUM_VF, 2);
        const auto list = b.beginNested(IFLA_VFINFO_LIST);
        putVf(b, 0, IFLA_VF_LINK_STATE_ENABLE, &node, &port);
        putVf(b, 1, IFLA_VF_LINK_STATE_AUTO, nullptr, nullptr);
        b.endNested(list);
    });
    const auto vfs = vfmsg::parseVfList(reply);
    REQUIRE(vfs.size() == 2);
    CHECK(vfs[0].vfIndex == 0);
    CHECK(vfs[0].linkState == VfLinkState::Enable);
    CHECK(vfs[0].nodeGuid == node);
    CHECK(vfs[0].portGuid == port);
    CHECK(vfs[1].vfIndex == 1);
    CHECK(vfs[1].linkState == VfLinkState::Auto);
    CHECK_FALSE(vfs[1].nodeGuid);
    CHECK_FALSE(vfs[1].portGuid);
}

TEST_CASE("parseVfList: a link without VFs, or a truncated list, yields what is there") {
    CHECK(vfmsg::parseVfList(newlinkReply([](NlMessageBuilder&) {})).empty());

    auto reply = newlinkReply([&](NlMessageBuilder& b) {
        const auto list = b.beginNested(IFLA_VFINFO_LIST);
        putVf(b, 4, IFLA_VF_LINK_STATE_DISABLE, nullptr, nullptr);
        b.endNested(list);
    });
    const auto whole = vfmsg::parseVfList(reply);
    REQUIRE(whole.size() == 1);
    CHECK(whole[0].vfIndex == 4);
    CHECK(whole[0].linkState == VfLinkState::Disable);
    // Cut inside the list: the nlmsg_len still claims the full length, the buffer ends early.
    reply.resize(reply.size() - 20);
    CHECK_NOTHROW(vfmsg::parseVfList(reply));
}
