// The exact nldev requests RdmaCounterReader sends (port dump, default-counter stat get),
// decoded by hand, and the parsing of fabricated replies shaped like the kernel's.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>

#include <cstdint>
#include <string>
#include <vector>

#include "NlDecode.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/RdmaCounterReader.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

namespace {

// RDMA_NL_GET_TYPE(RDMA_NL_NLDEV = 5, cmd), spelled out.
constexpr std::uint16_t nldev(std::uint16_t cmd) { return static_cast<std::uint16_t>(0x1400 + cmd); }

// nla_put_u64_64bit: a RDMA_NLDEV_ATTR_PAD attribute first when the value would be unaligned;
// the builder keeps 4-byte alignment, so put one to look like the kernel's.
void putU64(NlMessageBuilder& b, std::uint16_t type, std::uint64_t v) {
    b.put(RDMA_NLDEV_ATTR_PAD, nullptr, 0);
    b.put(type, &v, sizeof v);
}

}  // namespace

TEST_CASE("nldev stat constants are the ones the kernel ABI fixes") {
    CHECK(RDMA_NLDEV_CMD_PORT_GET == 5);
    CHECK(RDMA_NLDEV_CMD_STAT_GET == 17);
    CHECK(RDMA_NLDEV_ATTR_PORT_STATE == 12);
    CHECK(RDMA_NLDEV_ATTR_PORT_PHYS_STATE == 13);
    CHECK(RDMA_NLDEV_ATTR_STAT_HWCOUNTERS == 80);
}

TEST_CASE("portDump request: CMD_PORT_GET dump of one device") {
    const auto m = nl::decode(rdmastatmsg::portDump(4), 0);
    CHECK(m.header.nlmsg_type == nldev(5));
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
    REQUIRE(m.attrs.size() == 1);
    CHECK(m.attrs[0].type == RDMA_NLDEV_ATTR_DEV_INDEX);
    CHECK(m.attrs[0].as<std::uint32_t>() == 4u);
}

TEST_CASE("statGet request: device and port, no STAT_RES (the port's default counters)") {
    const auto m = nl::decode(rdmastatmsg::statGet(4, 1), 0);
    CHECK(m.header.nlmsg_type == nldev(17));
    CHECK(m.header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
    REQUIRE(m.attrs.size() == 2);
    CHECK(m.attrs[0].type == RDMA_NLDEV_ATTR_DEV_INDEX);
    CHECK(m.attrs[0].as<std::uint32_t>() == 4u);
    CHECK(m.attrs[1].type == RDMA_NLDEV_ATTR_PORT_INDEX);
    CHECK(m.attrs[1].as<std::uint32_t>() == 1u);
}

TEST_CASE("parseDevice: index, name, node GUID and protocol of a CMD_GET reply") {
    NlMessageBuilder b(nldev(1), NLM_F_MULTI);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, 3);
    b.putString(RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_3");
    b.putU32(RDMA_NLDEV_ATTR_PORT_INDEX, 1);
    putU64(b, RDMA_NLDEV_ATTR_NODE_GUID, 0x0002c90300001234ULL);
    b.putString(RDMA_NLDEV_ATTR_DEV_PROTOCOL, "ib");
    const auto d = rdmastatmsg::parseDevice(b.finish());
    REQUIRE(d);
    CHECK(d->index == 3u);
    CHECK(d->name == "mlx5_3");
    CHECK(d->nodeGuid == 0x0002c90300001234ULL);
    CHECK(d->protocol == "ib");

    NlMessageBuilder nameless(nldev(1), NLM_F_MULTI);
    nameless.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, 3);
    CHECK_FALSE(rdmastatmsg::parseDevice(nameless.finish()));
}

TEST_CASE("parsePort: port number, state and physical state") {
    NlMessageBuilder b(nldev(5), NLM_F_MULTI);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, 3);
    b.putString(RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_3");
    b.putU32(RDMA_NLDEV_ATTR_PORT_INDEX, 1);
    putU64(b, RDMA_NLDEV_ATTR_CAP_FLAGS, 0);
    b.putU32(RDMA_NLDEV_ATTR_LID, 7);
    b.putU8(RDMA_NLDEV_ATTR_PORT_STATE, 4);
    b.putU8(RDMA_NLDEV_ATTR_PORT_PHYS_STATE, 5);
    const auto p = rdmastatmsg::parsePort(b.finish());
    REQUIRE(p);
    CHECK(p->port == 1u);
    CHECK(p->state == 4u);
    CHECK(p->physState == 5u);

    NlMessageBuilder portless(nldev(5), NLM_F_MULTI);
    portless.putU8(RDMA_NLDEV_ATTR_PORT_STATE, 4);
    CHECK_FALSE(rdmastatmsg::parsePort(portless.finish()));
}

TEST_CASE("parseHwCounters: every entry of the nested table; malformed entries skipped") {
    NlMessageBuilder b(nldev(17), 0);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, 3);
    b.putString(RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_3");
    b.putU32(RDMA_NLDEV_ATTR_PORT_INDEX, 1);
    const auto table = b.beginNested(RDMA_NLDEV_ATTR_STAT_HWCOUNTERS);
    const auto entry = [&](const char* name, const std::uint64_t* value) {
        const auto e = b.beginNested(RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY);
        b.putString(RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_NAME, name);
        if (value) putU64(b, RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_VALUE, *value);
        b.endNested(e);
    };
    const std::uint64_t sent = 12345;
    const std::uint64_t big = 0xfffffffffffffffeULL;
    entry("sent_pkts", &sent);
    entry("rcvd_pkts", &big);
    entry("no_value", nullptr);
    b.endNested(table);
    const auto counters = rdmastatmsg::parseHwCounters(b.finish());
    CHECK(counters == std::map<std::string, std::uint64_t>{{"rcvd_pkts", big}, {"sent_pkts", sent}});

    NlMessageBuilder none(nldev(17), 0);
    none.putU32(RDMA_NLDEV_ATTR_PORT_INDEX, 1);
    CHECK(rdmastatmsg::parseHwCounters(none.finish()).empty());
}
