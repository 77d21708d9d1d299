// RouteSocket addresses and routes against real veths in throw-away namespaces; results are
// checked with libnl caches (support/TestNet), independently of the code under test.
#include <doctest/doctest.h>

#include <linux/rtnetlink.h>
#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "Lab.hpp"
#include "linux/KernelError.hpp"

using namespace ibvf;
using namespace ibvf::test;
using lab::ip;
using lab::prefix;
using Strings = std::vector<std::string>;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// A veth end that is up (routes need an up device), in its own namespace.
struct UpLink {
    ScopedNetns ns;
    std::unique_ptr<VethPair> veth = lab::vethIn(ns);
    linux::RouteSocket sock = lab::routeSocketIn(ns);
    int ifindex = veth->aIndex();
    UpLink() {
        sock.setAdminUp(ifindex, true);
        sock.setAdminUp(sock.linkByName(veth->b())->ifindex, true);
    }
};

linux::RouteSpec route(const char* dst, int ifindex, const char* gw = nullptr) {
    linux::RouteSpec r;
    r.dst = prefix(dst);
    if (gw) r.gw = ip(gw);
    r.ifindex = ifindex;
    return r;
}

template <class F>
linux::RouteSpec with(linux::RouteSpec r, F&& f) {
    f(r);
    return r;
}

Strings addressTexts(const std::vector<linux::AddressInfo>& infos) {
    Strings out;
    for (const auto& a : infos) out.push_back(a.address.toString());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("IPv4 and IPv6 addresses: add, list, duplicate, delete, delete again") {
    UpLink l;
    const auto v4 = prefix("10.77.1.5/24");
    const auto v6 = prefix("fd00:77::5/64");

    l.sock.addAddress(l.ifindex, v4);
    l.sock.addAddress(l.ifindex, v6, linux::AddressOptions{.noDad = true});
    CHECK(addressesIn(l.ns.path(), l.veth->a()) == Strings{"10.77.1.5/24", "fd00:77::5/64"});

    CHECK(addressTexts(l.sock.addresses(l.ifindex, net::Family::V4)) == Strings{"10.77.1.5/24"});
    const auto v6s = l.sock.addresses(l.ifindex, net::Family::V6);
    // The kernel adds an fe80:: address of its own once the link is up.
    CHECK(std::count_if(v6s.begin(), v6s.end(), [&](const auto& a) { return a.address == v6; }) == 1);
    for (const auto& a : l.sock.addresses(l.ifindex)) CHECK(a.ifindex == l.ifindex);
    const auto all = l.sock.addresses(0);
    CHECK(std::any_of(all.begin(), all.end(), [&](const auto& a) { return a.address == v4 && a.scope == RT_SCOPE_UNIVERSE; }));
    CHECK(l.sock.addresses(l.veth->aIndex() + 1000).empty());

    // Without DAD the IPv6 address is usable at once: a route via a gateway in its subnet works.
    l.sock.addRoute(route("fd01::/64", l.ifindex, "fd00:77::1"));

    try {
        l.sock.addAddress(l.ifindex, v4);
        FAIL("added a duplicate address");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EEXIST);
        CHECK(contains(e.what(), "add address 10.77.1.5/24 to link " + l.veth->a()));
    }

    l.sock.deleteAddress(l.ifindex, v4);
    l.sock.deleteAddress(l.ifindex, v6);
    CHECK(addressesIn(l.ns.path(), l.veth->a()).empty());
    l.sock.deleteAddress(l.ifindex, v4);  // already gone: tolerated
    l.sock.deleteAddress(l.ifindex, v6);

    try {
        l.sock.addAddress(999999, v4);
        FAIL("added an address to a missing link");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
        CHECK(contains(e.what(), "(ifindex 999999)"));
    }
}

TEST_CASE("an IPv4 address gets its broadcast address and subnet route") {
    UpLink l;
    l.sock.addAddress(l.ifindex, prefix("10.77.2.9/24"));
    CHECK(routesIn(l.ns.path(), l.veth->a()) == Strings{"10.77.2.0/24 dev " + l.veth->a() + " metric 0"});
    CHECK(ipv4BroadcastsIn(l.ns.path(), l.veth->a()) == Strings{"10.77.2.255"});
    l.sock.addAddress(l.ifindex, prefix("10.77.4.1/31"));  // point-to-point subnets have none
    CHECK(ipv4BroadcastsIn(l.ns.path(), l.veth->a()) == Strings{"10.77.2.255"});
    const auto listed = l.sock.routes(l.ifindex, net::Family::V4);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].dst == prefix("10.77.2.0/24"));
    CHECK_FALSE(listed[0].gw);
    CHECK(listed[0].scope == RT_SCOPE_LINK);
}

TEST_CASE("routes: link-scope, via gateway, default, metrics, another table; delete and delete again") {
    UpLink l;
    const std::string dev = l.veth->a();
    l.sock.addAddress(l.ifindex, prefix("10.77.3.2/24"));

    const linux::RouteSpec onLink = route("10.88.0.0/16", l.ifindex);
    const linux::RouteSpec viaGw = with(route("10.99.0.0/16", l.ifindex, "10.77.3.1"), [](auto& r) {
        r.mtu = 1400;
        r.advmss = 1360;
        r.priority = 50;
    });
    const linux::RouteSpec dflt = route("0.0.0.0/0", l.ifindex, "10.77.3.1");
    const linux::RouteSpec other = with(route("10.66.0.0/16", l.ifindex, "10.77.3.1"), [](auto& r) { r.table = 100; });

    l.sock.addRoute(onLink);
    l.sock.addRoute(viaGw);
    l.sock.addRoute(dflt);
    l.sock.addRoute(other);

    CHECK(routesIn(l.ns.path(), dev) == Strings{
                                            "0.0.0.0/0 via 10.77.3.1 dev " + dev + " metric 0",
                                            "10.77.3.0/24 dev " + dev + " metric 0",
                                            "10.88.0.0/16 dev " + dev + " metric 0",
                                            "10.99.0.0/16 via 10.77.3.1 dev " + dev + " metric 50 mtu 1400",
                                        });
    CHECK(routesIn(l.ns.path(), dev, 100) == Strings{"10.66.0.0/16 via 10.77.3.1 dev " + dev + " metric 0"});

    const auto main = l.sock.routes(l.ifindex, net::Family::V4);
    CHECK(main.size() == 4);
    const auto gwRoute = std::find_if(main.begin(), main.end(), [](const auto& r) { return r.dst == prefix("10.99.0.0/16"); });
    REQUIRE(gwRoute != main.end());
    CHECK(gwRoute->gw == ip("10.77.3.1"));
    CHECK(gwRoute->ifindex == l.ifindex);
    CHECK(gwRoute->mtu == 1400u);
    CHECK(gwRoute->advmss == 1360u);
    CHECK(gwRoute->priority == 50u);
    CHECK(gwRoute->table == RT_TABLE_MAIN);
    CHECK(gwRoute->scope == RT_SCOPE_UNIVERSE);
    const auto linkRoute = std::find_if(main.begin(), main.end(), [](const auto& r) { return r.dst == prefix("10.88.0.0/16"); });
    REQUIRE(linkRoute != main.end());
    CHECK(linkRoute->scope == RT_SCOPE_LINK);

    const auto inOther = l.sock.routes(l.ifindex, net::Family::V4, 100u);
    REQUIRE(inOther.size() == 1);
    CHECK(inOther[0].dst == prefix("10.66.0.0/16"));
    CHECK(inOther[0].table == 100u);
    CHECK(l.sock.routes(l.ifindex, net::Family::V6, 100u).empty());
    CHECK(l.sock.routes(0, net::Family::V4).size() == 4);  // 0 = any device; nothing else here

    try {
        l.sock.addRoute(viaGw);
        FAIL("added a duplicate route");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EEXIST);
        CHECK(contains(e.what(), "add route 10.99.0.0/16 via 10.77.3.1 metric 50 on link " + dev));
    }

    // Deletes identify the route by what was given, not by how it was added.
    l.sock.deleteRoute(with(route("10.99.0.0/16", l.ifindex, "10.77.3.1"), [](auto& r) { r.priority = 50; }));
    l.sock.deleteRoute(onLink);
    l.sock.deleteRoute(dflt);
    l.sock.deleteRoute(other);
    CHECK(routesIn(l.ns.path(), dev) == Strings{"10.77.3.0/24 dev " + dev + " metric 0"});
    CHECK(routesIn(l.ns.path(), dev, 100).empty());
    l.sock.deleteRoute(onLink);  // ESRCH: tolerated
    l.sock.deleteRoute(other);

    // A destination with host bits is normalised to its network, as a CNI "dst" may be written.
    l.sock.addRoute(route("10.55.1.1/16", l.ifindex));
    const auto after = routesIn(l.ns.path(), dev);
    CHECK(std::count(after.begin(), after.end(), "10.55.0.0/16 dev " + dev + " metric 0") == 1);
}

TEST_CASE("route errors carry errno and the route") {
    UpLink l;
    try {
        // No address in 10.1.0.0/16 on the link: the gateway is unreachable.
        l.sock.addRoute(route("10.2.0.0/16", l.ifindex, "10.1.0.1"));
        FAIL("added a route via an unreachable gateway");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENETUNREACH);
        CHECK(contains(e.what(), "add route 10.2.0.0/16 via 10.1.0.1"));
    }
    try {
        l.sock.addRoute(route("10.3.0.0/16", 999999));
        FAIL("added a route on a missing link");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
        CHECK(contains(e.what(), "(ifindex 999999)"));
    }
}

TEST_CASE("IPv6 routes: add, list, delete") {
    UpLink l;
    const std::string dev = l.veth->a();
    l.sock.addAddress(l.ifindex, prefix("fd00:78::2/64"), linux::AddressOptions{.noDad = true});
    const linux::RouteSpec viaGw = route("fd02::/48", l.ifindex, "fd00:78::1");
    const linux::RouteSpec dflt = with(route("::/0", l.ifindex, "fd00:78::1"), [](auto& r) { r.priority = 10; });
    l.sock.addRoute(viaGw);
    l.sock.addRoute(dflt);

    CHECK(routesIn(l.ns.path(), dev) == Strings{
                                            "::/0 via fd00:78::1 dev " + dev + " metric 10",
                                            "fd00:78::/64 dev " + dev + " metric 256",
                                            "fd02::/48 via fd00:78::1 dev " + dev + " metric 1024",
                                        });
    const auto listed = l.sock.routes(l.ifindex, net::Family::V6);
    const auto it = std::find_if(listed.begin(), listed.end(), [](const auto& r) { return r.dst == prefix("fd02::/48"); });
    REQUIRE(it != listed.end());
    CHECK(it->gw == ip("fd00:78::1"));
    CHECK(it->priority == 1024u);
    CHECK(l.sock.routes(l.ifindex, net::Family::V4).empty());

    l.sock.deleteRoute(viaGw);
    l.sock.deleteRoute(dflt);
    CHECK(routesIn(l.ns.path(), dev) == Strings{"fd00:78::/64 dev " + dev + " metric 256"});
    l.sock.deleteRoute(viaGw);  // tolerated
}
