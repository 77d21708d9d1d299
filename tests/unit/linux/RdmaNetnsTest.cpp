// The exact NETLINK_RDMA requests NetlinkRdmaNetns sends, decoded by hand, and the parsing of
// the kernel's replies.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>

#include <cstdint>
#include <string>
#include <vector>

#include "NlDecode.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/RdmaNetns.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

namespace {

// RDMA_NL_GET_TYPE(RDMA_NL_NLDEV = 5, cmd) = 5 << 10 | cmd, spelled out so a wrong macro use
// in the code would not be mirrored here.
constexpr std::uint16_t nldev(std::uint16_t cmd) { return static_cast<std::uint16_t>(0x1400 + cmd); }

}  // namespace

TEST_CASE("nldev constants are the ones the kernel ABI fixes") {
    CHECK(RDMA_NL_NLDEV == 5);
    CHECK(RDMA_NLDEV_CMD_GET == 1);
    CHECK(RDMA_NLDEV_CMD_SET == 2);
    CHECK(RDMA_NLDEV_CMD_SYS_GET == 6);
}

TEST_CASE("sysGet request: a bare header asking for an ack") {
    const auto m = nl::decode(rdmamsg::sysGet(), 0);
    CHECK(m.header.nlmsg_type == nldev(6));
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
    CHECK(m.header.nlmsg_len == 16u);
    CHECK(m.attrs.empty());
}

TEST_CASE("deviceDump request: CMD_GET as a dump") {
    const auto m = nl::decode(rdmamsg::deviceDump(), 0);
    CHECK(m.header.nlmsg_type == nldev(1));
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
    CHECK(m.attrs.empty());
}

TEST_CASE("moveToNetns request: device index and netns fd as u32 attributes") {
    const auto bytes = rdmamsg::moveToNetns(7, 12);
    const auto m = nl::decode(bytes, 0);
    CHECK(m.header.nlmsg_type == nldev(2));
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
    REQUIRE(m.attrs.size() == 2);
    CHECK(m.attrs[0].type == RDMA_NLDEV_ATTR_DEV_INDEX);
    CHECK(m.attrs[0].as<std::uint32_t>() == 7u);
    CHECK(m.attrs[1].type == RDMA_NLDEV_NET_NS_FD);
    CHECK(m.attrs[1].as<std::uint32_t>() == 12u);
    CHECK(bytes.size() == 16 + 8 + 8);
}

TEST_CASE("parseNetnsMode: 0 is exclusive, anything else shared, absent is nullopt") {
    const auto reply = [](std::uint8_t mode) {
        NlMessageBuilder b(nldev(6), 0);
        b.putU8(RDMA_NLDEV_SYS_ATTR_NETNS_MODE, mode);
        b.putU8(RDMA_NLDEV_SYS_ATTR_COPY_ON_FORK, 1);
        return b.finish();
    };
    CHECK(rdmamsg::parseNetnsMode(reply(0)) == RdmaNetnsMode::Exclusive);
    CHECK(rdmamsg::parseNetnsMode(reply(1)) == RdmaNetnsMode::Shared);
    NlMessageBuilder without(nldev(6), 0);
    without.putU8(RDMA_NLDEV_SYS_ATTR_COPY_ON_FORK, 1);
    CHECK_FALSE(rdmamsg::parseNetnsMode(without.finish()));
    CHECK(std::string(rdmaNetnsModeName(RdmaNetnsMode::Exclusive)) == "exclusive");
}

TEST_CASE("parseDevice: index and name of one dump entry") {
    NlMessageBuilder b(nldev(1), NLM_F_MULTI);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, 3);
    b.putString(RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_3");
    b.putU32(RDMA_NLDEV_ATTR_PORT_INDEX, 1);
    const auto d = rdmamsg::parseDevice(b.finish());
    REQUIRE(d);
    CHECK(d->index == 3u);
    CHECK(d->name == "mlx5_3");

    NlMessageBuilder noName(nldev(1), NLM_F_MULTI);
    noName.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, 3);
    CHECK_FALSE(rdmamsg::parseDevice(noName.finish()));
}
