// NetNs handles, NetNsGuard, /proc/sys access in a namespace, and knowing a recorded namespace again.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

#include "Lab.hpp"
#include "linux/KernelError.hpp"
#include "linux/NetnsSocket.hpp"
#include "support/ScratchDir.hpp"

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

TEST_CASE("a namespace's cookie is its own, read through any handle or socket made in it") {
    ScopedNetns ns;
    ScopedNetns other;
    const auto handle = ns.open();
    const std::uint64_t cookie = handle.cookie();
    REQUIRE(cookie != 0);  // Linux 5.14+ has it: the host and the kernel lab both do
    CHECK(linux::NetNs::open(ns.path()).cookie() == cookie);
    CHECK(lab::routeSocketIn(ns).netnsCookie() == cookie);  // from the socket, no namespace switch
    CHECK(other.open().cookie() != cookie);
    const auto here = linux::NetNs::current();
    CHECK(here.cookie() != cookie);
    CHECK(linux::RouteSocket().netnsCookie() == here.cookie());
    CHECK_THROWS_AS(linux::netnsCookieOfSocket(-1), linux::KernelError);
}

TEST_CASE("a namespace differs from a record by inode or, when one was recorded, by cookie") {
    ScopedNetns ns;
    const auto handle = ns.open();
    const std::uint64_t inode = handle.inode();
    const std::uint64_t cookie = handle.cookie();
    CHECK_FALSE(handle.differsFrom(inode, cookie));
    CHECK_FALSE(handle.differsFrom(inode, 0));  // state from before cookies: the inode alone
    CHECK_FALSE(handle.differsFrom(0, 0));
    // What a path reused after the kernel gave the old namespace's inode number to a new one
    // looks like: the inode passes, the cookie does not.
    CHECK(handle.differsFrom(inode, cookie + 1) ==
          "cookie " + std::to_string(cookie) + ", the recorded one was " + std::to_string(cookie + 1));
    CHECK(handle.differsFrom(inode + 1, cookie) ==
          "inode " + std::to_string(inode) + ", the recorded one was " + std::to_string(inode + 1));
    CHECK(handle.differsFrom(inode + 1, 0));
}

TEST_CASE("openRecordedNetns: the recorded namespace, or NamespaceGone for a missing path or another namespace") {
    ScopedNetns ns;
    const auto handle = ns.open();
    const std::uint64_t inode = handle.inode();
    const std::uint64_t cookie = handle.cookie();

    auto same = linux::openRecordedNetns(ns.path(), inode, cookie);
    REQUIRE(same);
    CHECK(same.value().sameAs(handle));
    auto old = linux::openRecordedNetns(ns.path(), inode, 0);  // no cookie recorded: inode only
    REQUIRE(old);
    CHECK(old.value().sameAs(handle));

    const auto otherCookie = linux::openRecordedNetns(ns.path(), inode, cookie + 1);
    REQUIRE_FALSE(otherCookie);
    CHECK(otherCookie.error().kind == linux::ReadFailure::NamespaceGone);
    CHECK(otherCookie.error().err == ESTALE);
    CHECK(otherCookie.error().message == "netns " + ns.path() + " now names another namespace (cookie " + std::to_string(cookie) +
                                             ", the recorded one was " + std::to_string(cookie + 1) + "): the pod's namespace is gone");
    const auto otherInode = linux::openRecordedNetns(ns.path(), inode + 1, cookie);
    REQUIRE_FALSE(otherInode);
    CHECK(otherInode.error().kind == linux::ReadFailure::NamespaceGone);

    std::string deadPath;
    {
        ScopedNetns dead;
        deadPath = dead.path();
    }
    const auto gone = linux::openRecordedNetns(deadPath, inode, cookie);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().kind == linux::ReadFailure::NamespaceGone);
    CHECK(gone.error().err == ENOENT);
    CHECK(gone.error().message == "netns " + deadPath + " is gone");

    // A pin file left behind after its namespace was unmounted is just as gone.
    ScratchDir dir;
    const std::string stale = (dir.path() / "stale-netns").string();
    std::ofstream(stale).put('\n');
    const auto staleResult = linux::openRecordedNetns(stale, 0, 0);
    REQUIRE_FALSE(staleResult);
    CHECK(staleResult.error().kind == linux::ReadFailure::NamespaceGone);

    // Not a network namespace at all: a failure that says so, not "gone".
    const auto wrongKind = linux::openRecordedNetns("/proc/self/ns/uts", 0, 0);
    REQUIRE_FALSE(wrongKind);
    CHECK(wrongKind.error().kind == linux::ReadFailure::Failed);
    CHECK(wrongKind.error().message == "open netns /proc/self/ns/uts: not a network namespace: Invalid argument");
}
