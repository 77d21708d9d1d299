// RouteSocket link operations against real veths in throw-away namespaces.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/if_arp.h>
#include <sys/utsname.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>

#include "Lab.hpp"
#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

bool kernelAtLeast(int major, int minor) {
    utsname u{};
    ::uname(&u);
    int ma = 0;
    int mi = 0;
    std::sscanf(u.release, "%d.%d", &ma, &mi);
    return ma > major || (ma == major && mi >= minor);
}

bool hasAltname(const linux::LinkInfo& l, const std::string& name) {
    return std::find(l.altnames.begin(), l.altnames.end(), name) != l.altnames.end();
}

}  // namespace

TEST_CASE("formatHwaddr") {
    CHECK(linux::formatHwaddr({}) == "");
    CHECK(linux::formatHwaddr({0xaa, 0x0b, 0x00, 0xff}) == "aa:0b:00:ff");
}

TEST_CASE("links are found by name and by index with their attributes") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);

    const auto byName = sock.linkByName(veth->a());
    REQUIRE(byName);
    CHECK(byName->ifindex == veth->aIndex());
    CHECK(byName->name == veth->a());
    CHECK(byName->mtu == 1500);
    CHECK(byName->kind == "veth");
    CHECK(byName->arptype == ARPHRD_ETHER);
    const auto seen = linkIn(ns.path(), veth->a());
    REQUIRE(seen);
    REQUIRE(seen->hwaddr.size() == 17);
    CHECK(linux::formatHwaddr(byName->hwaddr) == seen->hwaddr);
    CHECK_FALSE(byName->adminUp);
    CHECK_FALSE(byName->carrier);
    CHECK(byName->altnames.empty());

    const auto byIndex = sock.linkByIndex(veth->aIndex());
    REQUIRE(byIndex);
    CHECK(byIndex->name == veth->a());
    CHECK(linux::formatHwaddr(byIndex->hwaddr) == seen->hwaddr);

    CHECK_FALSE(sock.linkByName(uniqueName()));
    CHECK_FALSE(sock.linkByName(""));
    CHECK_FALSE(sock.linkByName(std::string(200, 'x')));
    CHECK_FALSE(sock.linkByIndex(0));
    CHECK_FALSE(sock.linkByIndex(999999));

    const auto all = sock.links();
    std::vector<std::string> names;
    for (const auto& l : all) names.push_back(l.name);
    std::sort(names.begin(), names.end());
    std::vector<std::string> expected{"lo", veth->a(), veth->b()};
    std::sort(expected.begin(), expected.end());
    CHECK(names == expected);
}

TEST_CASE("up and down; carrier follows the peer") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    const int a = veth->aIndex();
    const int b = sock.linkByName(veth->b())->ifindex;

    sock.setAdminUp(a, true);
    CHECK(linkIn(ns.path(), veth->a())->up);
    CHECK(sock.linkByIndex(a)->adminUp);
    CHECK_FALSE(sock.linkByIndex(a)->carrier);  // peer still down

    sock.setAdminUp(b, true);
    CHECK(sock.linkByIndex(a)->carrier);

    sock.setAdminUp(a, false);
    CHECK_FALSE(linkIn(ns.path(), veth->a())->up);
    CHECK_FALSE(sock.linkByIndex(a)->adminUp);
    sock.setAdminUp(a, false);  // already down: no error

    try {
        sock.setAdminUp(999999, true);
        FAIL("set up a missing link");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
        CHECK(contains(e.what(), "set link (ifindex 999999) up"));
    }
}

TEST_CASE("rename: the new name sticks; up links per kernel; taken and invalid names refused") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    const int a = veth->aIndex();
    const std::string newName = uniqueName("ibtr");

    sock.rename(a, newName);
    CHECK(linkExistsIn(ns.path(), newName));
    CHECK_FALSE(linkExistsIn(ns.path(), veth->a()));
    CHECK(sock.linkByIndex(a)->name == newName);

    try {
        sock.rename(a, veth->b());
        FAIL("renamed onto an existing name");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EEXIST);
        CHECK(contains(e.what(), "rename link " + newName + " (ifindex " + std::to_string(a) + ") to " + veth->b()));
        CHECK(contains(e.what(), "File exists"));
    }
    try {
        sock.rename(a, "this-name-is-way-too-long");
        FAIL("accepted a 25-byte interface name");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EINVAL);
        CHECK(contains(e.what(), "this-name-is-way-too-long"));
    }
    try {
        sock.rename(999999, newName);
        FAIL("renamed a missing link");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
    }

    // Before Linux 6.2 a link that is up cannot be renamed (EBUSY); since then it can.
    sock.setAdminUp(a, true);
    if (kernelAtLeast(6, 2)) {
        sock.rename(a, veth->a());
        CHECK(linkIn(ns.path(), veth->a())->up);
    } else {
        try {
            sock.rename(a, veth->a());
            FAIL("renamed a link that is up");
        } catch (const linux::KernelError& e) {
            CHECK(e.err() == EBUSY);
            CHECK(contains(e.what(), "rename link " + newName + " (ifindex " + std::to_string(a) + ") to " + veth->a()));
        }
        sock.setAdminUp(a, false);
        sock.rename(a, veth->a());
    }
    CHECK(linkExistsIn(ns.path(), veth->a()));  // back, so the pair is found by its original name
}

TEST_CASE("MTU: set and read back; an absurd MTU is refused with the kernel's reason") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    const int a = veth->aIndex();

    sock.setMtu(a, 9000);
    CHECK(sock.linkByIndex(a)->mtu == 9000);
    CHECK(linkIn(ns.path(), veth->a())->mtu == 9000);
    sock.setMtu(a, 1280);
    CHECK(linkIn(ns.path(), veth->a())->mtu == 1280);

    try {
        sock.setMtu(a, 1000000);
        FAIL("accepted MTU 1000000");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EINVAL);
        const std::string what = e.what();
        CHECK(contains(what, "set MTU of link " + veth->a() + " (ifindex " + std::to_string(a) + ") to 1000000"));
        // The extended ack says why (wording is the kernel's, so only its presence is checked).
        CHECK(contains(what, "[kernel: "));
    }
    CHECK(linkIn(ns.path(), veth->a())->mtu == 1280);
}

TEST_CASE("move to another namespace, with and without a rename in the same request") {
    ScopedNetns host;
    ScopedNetns pod;
    auto veth = lab::vethIn(host);
    auto sock = lab::routeSocketIn(host);
    auto podSock = lab::routeSocketIn(pod);
    const auto podNs = pod.open();

    SUBCASE("plain move keeps the name") {
        sock.setAdminUp(veth->aIndex(), true);  // the kernel takes it down on the way
        sock.moveToNetNs(veth->aIndex(), podNs.fd());
        CHECK_FALSE(linkExistsIn(host.path(), veth->a()));
        const auto moved = linkIn(pod.path(), veth->a());
        REQUIRE(moved);
        CHECK_FALSE(moved->up);
        CHECK(podSock.linkByName(veth->a())->kind == "veth");
        CHECK_FALSE(sock.linkByName(veth->a()));
    }
    SUBCASE("move and rename in one call") {
        const std::string podName = uniqueName("ibtp");
        sock.moveToNetNs(veth->aIndex(), podNs.fd(), podName);
        CHECK_FALSE(linkExistsIn(host.path(), veth->a()));
        CHECK_FALSE(linkExistsIn(pod.path(), veth->a()));
        CHECK(linkExistsIn(pod.path(), podName));
        const auto moved = podSock.linkByName(podName);
        REQUIRE(moved);

        // And back home under the original name, as DEL does.
        const auto hostNs = host.open();
        podSock.moveToNetNs(moved->ifindex, hostNs.fd(), veth->a());
        CHECK(linkExistsIn(host.path(), veth->a()));
        CHECK_FALSE(linkExistsIn(pod.path(), podName));
    }
    SUBCASE("the target name is taken in the target namespace: the kernel moves, then fails") {
        auto occupant = lab::vethIn(pod);
        try {
            sock.moveToNetNs(veth->aIndex(), podNs.fd(), occupant->a());
            FAIL("moved onto a taken name");
        } catch (const linux::KernelError& e) {
            CHECK(e.err() == EEXIST);
            INFO(std::string(e.what()));
            CHECK(contains(e.what(), "move link (ifindex " + std::to_string(veth->aIndex()) + ") to netns " + pod.path() + " as "));
            CHECK(contains(e.what(), " as " + occupant->a()));
            CHECK(contains(e.what(), "moved under its old name"));
        }
        CHECK_FALSE(linkExistsIn(host.path(), veth->a()));
        CHECK(linkExistsIn(pod.path(), veth->a()));
    }
    SUBCASE("both names taken in the target: nothing moves") {
        auto occupant = lab::vethIn(pod);
        const auto hostNs = host.open();
        auto twin = linux::runInNetNs(pod.open(), [&] { return std::make_unique<VethPair>(veth->a(), uniqueName()); });
        try {
            sock.moveToNetNs(veth->aIndex(), podNs.fd(), occupant->a());
            FAIL("moved onto a taken name");
        } catch (const linux::KernelError& e) {
            CHECK(e.err() == EEXIST);
            INFO(std::string(e.what()));
            CHECK(contains(e.what(),
                           "move link " + veth->a() + " (ifindex " + std::to_string(veth->aIndex()) + ") to netns " + pod.path() + " as "));
        }
        CHECK(linkIn(host.path(), veth->a())->ifindex == veth->aIndex());
    }
    SUBCASE("a descriptor that is not a namespace") {
        linux::Fd notNs(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        REQUIRE(notNs);
        CHECK_THROWS_AS(sock.moveToNetNs(veth->aIndex(), notNs.get()), linux::KernelError);
        CHECK(linkExistsIn(host.path(), veth->a()));
    }
}

TEST_CASE("altnames: listed, resolvable, deleted through RTM_DELLINKPROP, added back") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    const int a = veth->aIndex();
    const std::string alt = uniqueName("ibtalt");
    const std::string longAlt = "ibt-a-much-longer-alternative-name-" + std::to_string(::getpid());

    addAltname(a, alt, ns.path());
    addAltname(a, longAlt, ns.path());
    const auto link = sock.linkByIndex(a);
    REQUIRE(link);
    CHECK(hasAltname(*link, alt));
    CHECK(hasAltname(*link, longAlt));
    CHECK(sock.linkByName(alt)->ifindex == a);      // the kernel resolves altnames
    CHECK(sock.linkByName(longAlt)->ifindex == a);  // even beyond IFNAMSIZ

    sock.deleteAltname(a, alt);
    auto seen = linkIn(ns.path(), veth->a());
    REQUIRE(seen);
    CHECK(seen->altnames == std::vector<std::string>{longAlt});
    CHECK_FALSE(sock.linkByName(alt));

    try {
        sock.deleteAltname(a, alt);
        FAIL("deleted a missing altname");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() != 0);
        CHECK(contains(e.what(), "delete altname " + alt + " of link " + veth->a()));
    }

    sock.addAltname(a, alt);
    CHECK(hasAltname(*sock.linkByIndex(a), alt));
    CHECK(linkIn(ns.path(), veth->a())->altnames.size() == 2);
    CHECK_THROWS_AS(sock.addAltname(a, alt), linux::KernelError);

    sock.deleteAltname(a, alt);
    sock.deleteAltname(a, longAlt);
    CHECK(linkIn(ns.path(), veth->a())->altnames.empty());
}

TEST_CASE("a RouteSocket can be moved and keeps working") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto first = lab::routeSocketIn(ns);
    linux::RouteSocket second = std::move(first);
    CHECK(second.linkByName(veth->a()));
    linux::RouteSocket third;
    third = std::move(second);
    CHECK(third.linkByIndex(veth->aIndex()));
    // Errors do not leave stale replies behind that confuse the next request.
    CHECK_THROWS_AS(third.setMtu(veth->aIndex(), 1000000), linux::KernelError);
    CHECK_THROWS_AS(third.rename(999999, "x"), linux::KernelError);
    CHECK(third.linkByIndex(veth->aIndex())->name == veth->a());
    CHECK(third.links().size() == 3);
}
