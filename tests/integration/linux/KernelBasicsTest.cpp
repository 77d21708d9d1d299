// KernelError, Fd, NetNs handles, NetNsGuard and /proc/sys access in a namespace.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <stdexcept>

#include "Lab.hpp"
#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"

using namespace ibvf;
using namespace ibvf::test;

TEST_CASE("KernelError reads 'what: strerror' and keeps errno") {
    const linux::KernelError e(ENOENT, "open /x");
    CHECK(std::string(e.what()) == "open /x: No such file or directory");
    CHECK(e.err() == ENOENT);
    errno = EBUSY;
    try {
        linux::throwErrno("rename link a");
        FAIL("throwErrno returned");
    } catch (const linux::KernelError& k) {
        CHECK(k.err() == EBUSY);
        CHECK(std::string(k.what()) == "rename link a: Device or resource busy");
    }
    CHECK_THROWS_AS(linux::throwErr(EEXIST, "x"), linux::KernelError);
}

TEST_CASE("Fd closes what it owns, exactly once") {
    int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(raw >= 0);
    {
        linux::Fd a(raw);
        linux::Fd b(std::move(a));
        CHECK_FALSE(a);
        CHECK(b.get() == raw);
        linux::Fd c;
        c = std::move(b);
        CHECK(c.get() == raw);
        CHECK(::fcntl(raw, F_GETFD) >= 0);
    }
    CHECK(::fcntl(raw, F_GETFD) < 0);
    CHECK(errno == EBADF);

    int other = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    linux::Fd d(other);
    const int released = d.release();
    CHECK_FALSE(d);
    CHECK(::fcntl(released, F_GETFD) >= 0);
    d.reset(released);
    d.reset();
    CHECK(::fcntl(released, F_GETFD) < 0);
}

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
        CHECK(std::string(e.what()).find("/run/netns/ibt-does-not-exist") != std::string::npos);
    }
    // A plain file (what a /run/netns entry becomes once its bind mount is gone).
    try {
        linux::NetNs::open("/proc/self/status");
        FAIL("opened a regular file as a netns");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EINVAL);
        CHECK(std::string(e.what()).find("not a namespace file") != std::string::npos);
    }
    try {
        linux::NetNs::open("/proc/self/ns/mnt");
        FAIL("opened a mount namespace as a netns");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EINVAL);
        CHECK(std::string(e.what()).find("not a network namespace") != std::string::npos);
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
        CHECK(std::string(e.what()).find("/proc/sys/" + key) != std::string::npos);
    }
    CHECK_THROWS_AS(linux::writeProcSys("net/ipv4/ibt_no_such_sysctl", "1"), linux::KernelError);
}
