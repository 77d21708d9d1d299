// NetlinkSocket's event side: a subscription sees the links of its own namespace change, drain()
// never blocks, and events the kernel had to drop are reported as an overrun.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <set>
#include <span>
#include <string>

#include "Lab.hpp"
#include "linux/NetlinkSocket.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

linux::NetlinkSocket linkEventsIn(const ScopedNetns& ns) {
    return linux::runInNetNs(ns.open(), [] { return linux::NetlinkSocket::subscribed(NETLINK_ROUTE, {RTNLGRP_LINK}, "link event"); });
}

bool readable(const linux::NetlinkSocket& s, int timeoutMs) {
    pollfd pfd{s.fd(), POLLIN, 0};
    return ::poll(&pfd, 1, timeoutMs) == 1;
}

// The names of the links the drained RTM_NEWLINK events describe.
struct NewLinkNames {
    std::set<std::string> names;
    linux::NetlinkSocket::Drained drained;
};

NewLinkNames drainNewLinks(linux::NetlinkSocket& s) {
    NewLinkNames out;
    out.drained = s.drain([&](std::span<const std::uint8_t> msg, std::uint16_t type) {
        if (type != RTM_NEWLINK) return;
        const auto attrs = linux::nlMessageAttrs(msg, sizeof(ifinfomsg));
        if (const linux::NlAttr* name = linux::findNlAttr(attrs, IFLA_IFNAME)) out.names.insert(linux::nlAttrString(*name));
    });
    return out;
}

}  // namespace

TEST_CASE("NetlinkSocket::subscribed: a veth created in its namespace arrives as RTM_NEWLINK, one elsewhere does not") {
    ScopedNetns ns;
    ScopedNetns other;
    auto events = linkEventsIn(ns);
    const auto idle = events.drain();  // nothing queued: returns at once instead of blocking
    CHECK(idle.messages == 0);
    CHECK_FALSE(idle.overrun);
    CHECK_FALSE(idle.any());

    auto elsewhere = lab::vethIn(other);
    auto veth = lab::vethIn(ns);
    REQUIRE(readable(events, 5000));
    const auto got = drainNewLinks(events);
    CHECK(got.names.count(veth->a()) == 1);
    CHECK(got.names.count(veth->b()) == 1);
    CHECK(got.names.count(elsewhere->a()) == 0);
    CHECK(got.names.count(elsewhere->b()) == 0);
    CHECK(got.drained.messages >= 2);
    CHECK_FALSE(got.drained.overrun);
    CHECK(got.drained.any());

    // Left, the group sends nothing more.
    events.leave(RTNLGRP_LINK);
    auto after = lab::vethIn(ns);
    CHECK_FALSE(readable(events, 200));
    CHECK_FALSE(events.drain().any());
}

TEST_CASE("NetlinkSocket::drain: events the kernel dropped count as an overrun, and the socket keeps working") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto events = linkEventsIn(ns);
    // The smallest receive buffer the kernel allows holds only a couple of link events.
    const int tiny = 1;
    REQUIRE(::setsockopt(events.fd(), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny) == 0);
    auto route = lab::routeSocketIn(ns);
    for (unsigned i = 0; i < 40; ++i) route.setMtu(veth->aIndex(), 1280 + i);

    const auto flooded = events.drain();
    CHECK(flooded.overrun);
    CHECK(flooded.any());
    CHECK_FALSE(events.drain().any());  // the queue is empty again

    route.setMtu(veth->aIndex(), 1500);
    REQUIRE(readable(events, 5000));
    const auto got = drainNewLinks(events);
    CHECK(got.names.count(veth->a()) == 1);
    CHECK_FALSE(got.drained.overrun);
}
