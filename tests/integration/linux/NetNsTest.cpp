// NetNs handles, NetNsGuard and /proc/sys access in a namespace.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cerrno>
#include <stdexcept>

#include "Lab.hpp"
#include "linux/KernelError.hpp"

using namespace ibvf;
using namespace ibvf::test;

TEST_CASE("NetNs handles: open, current, identity, errors that name the path") {
    ScopedNetns ns;
    const auto a = ns.open();
    const auto b = linux::NetNs::open(ns.path());
    const auto here = linux::NetNs::current();
    CHECK(a.path() == ns.path());
    CHECK(a.sameAs(b));
    CHECK(a.inode() == b.inode());
    CHECK_FALSE(a.sameAs(here));
    CHECK(here.sameAs(linux::NetNs::open("/proc/self/ns/net")));

    try {
        linux::NetNs::open("/run/netns/ibt-does-not-exist");
        FAIL("opened a missing netns");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) == "open netns /run/netns/ibt-does-not-exist: No such file or directory");
    }
    // A plain file (what a /run/netns entry becomes once its bind mount is gone).
    try {
        linux::NetNs::open("/proc/self/status");
        FAIL("opened a regular file as a netns");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EINVAL);
        CHECK(std::string(e.what()) == "open netns /proc/self/status: not a namespace file: Invalid argument");
    }
    try {
        linux::NetNs::open("/proc/self/ns/mnt");
        FAIL("opened a mount namespace as a netns");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EINVAL);
        CHECK(std::string(e.what()) == "open netns /proc/self/ns/mnt: not a network namespace: Invalid argument");
    }
}

TEST_CASE("NetNsGuard enters for its scope and restores, also when the body throws") {
    ScopedNetns ns;
    const auto target = ns.open();
    const auto before = linux::NetNs::current();
    {
        linux::NetNsGuard guard(target);
        CHECK(linux::NetNs::current().sameAs(target));
    }
    CHECK(linux::NetNs::current().sameAs(before));

    CHECK_THROWS_WITH_AS(linux::runInNetNs(target,
                                           [&]() -> int {
                                               REQUIRE(linux::NetNs::current().sameAs(target));
                                               throw std::runtime_error("boom inside");
                                           }),
                         "boom inside", std::runtime_error);
    CHECK(linux::NetNs::current().sameAs(before));

    // Sockets keep the namespace they were created in after the guard is gone.
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    CHECK(sock.linkByName(veth->a()));
    linux::RouteSocket hostSock;
    CHECK_FALSE(hostSock.linkByName(veth->a()));
}

TEST_CASE("nested NetNsGuards unwind in order") {
    const auto before = linux::NetNs::current();
    ScopedNetns one;
    ScopedNetns two;
    const auto first = one.open();
    const auto second = two.open();
    {
        linux::NetNsGuard outer(first);
        {
            linux::NetNsGuard inner(second);
            CHECK(linux::NetNs::current().sameAs(second));
        }
        CHECK(linux::NetNs::current().sameAs(first));
        // Entering the namespace we are already in changes nothing on the way out.
        { linux::NetNsGuard same(first); }
        CHECK(linux::NetNs::current().sameAs(first));
    }
    CHECK(linux::NetNs::current().sameAs(before));
}

TEST_CASE("/proc/sys is the entered namespace's view") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    const std::string key = "net/ipv4/conf/" + veth->a() + "/arp_notify";
    linux::runInNetNs(ns.open(), [&] {
        CHECK(linux::readProcSys(key) == "0");
        linux::writeProcSys(key, "1");
        CHECK(linux::readProcSys(key) == "1");
    });
    // The link does not exist in this namespace, so neither does its sysctl.
    try {
        linux::readProcSys(key);
        FAIL("read a sysctl of a link in another namespace");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()) == "open /proc/sys/" + key + ": No such file or directory");
    }
    CHECK_THROWS_AS(linux::writeProcSys("net/ipv4/ibt_no_such_sysctl", "1"), linux::KernelError);
}
