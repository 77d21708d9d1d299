#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/RouteResolution.hpp"
#include "plugin/UndoStack.hpp"

using namespace ibvf;

TEST_CASE("undo runs in reverse, survives a failing step, and commit cancels it") {
    std::vector<std::string> ran;
    {
        plugin::UndoStack undo;
        undo.push("a", [&] { ran.push_back("a"); });
        undo.push("b", [&] { throw std::runtime_error("b fails"); });
        undo.push("c", [&] { ran.push_back("c"); });
    }
    CHECK(ran == std::vector<std::string>{"c", "a"});

    ran.clear();
    {
        plugin::UndoStack undo;
        undo.push("a", [&] { ran.push_back("a"); });
        undo.commit();
    }
    CHECK(ran.empty());
}

TEST_CASE("routes without gw take the gateway of their family") {
    std::vector<cni::IpConfig> ips(2);
    ips[0].address = *net::IpPrefix::parse("10.1.0.5/24");
    ips[0].gateway = net::IpAddress::parse("10.1.0.1");
    ips[1].address = *net::IpPrefix::parse("fd00::5/64");
    ips[1].gateway = net::IpAddress::parse("fd00::1");

    cni::Route v4;
    v4.dst = *net::IpPrefix::parse("0.0.0.0/0");
    auto spec = plugin::toRouteSpec(v4, ips, 7);
    CHECK(spec.ifindex == 7);
    REQUIRE(spec.gw.has_value());
    CHECK(spec.gw->toString() == "10.1.0.1");

    cni::Route v6;
    v6.dst = *net::IpPrefix::parse("fd10::/48");
    v6.table = 100;
    v6.priority = 5;
    spec = plugin::toRouteSpec(v6, ips, 7);
    CHECK(spec.gw->toString() == "fd00::1");
    CHECK(spec.table == 100U);
    CHECK(spec.priority == 5U);

    cni::Route explicitGw;
    explicitGw.dst = *net::IpPrefix::parse("10.9.0.0/16");
    explicitGw.gw = net::IpAddress::parse("10.1.0.254");
    CHECK(plugin::toRouteSpec(explicitGw, ips, 7).gw->toString() == "10.1.0.254");

    std::vector<cni::IpConfig> noGw(1);
    noGw[0].address = *net::IpPrefix::parse("10.1.0.5/24");
    CHECK_FALSE(plugin::toRouteSpec(v4, noGw, 7).gw.has_value());
}
