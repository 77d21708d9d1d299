// The test helpers themselves: other suites rely on them to clean up and to see the truth.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "Lab.hpp"
#include "linux/KernelError.hpp"
#include "support/BinaryRunner.hpp"
#include "support/RecordingIpoibLinks.hpp"
#include "support/RecordingRdmaNetns.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("uniqueName: valid interface names, never repeated") {
    const auto a = uniqueName();
    const auto b = uniqueName();
    CHECK(a != b);
    CHECK(a.rfind("ibt" + std::to_string(::getpid()) + "x", 0) == 0);
    CHECK(a.size() <= 15);
    CHECK_THROWS_AS(uniqueName("a-very-long-prefix"), std::length_error);
}

TEST_CASE("ScopedNetns: a real named namespace; the calling thread never moves; gone afterwards") {
    const auto before = linux::NetNs::current();
    std::string path;
    {
        ScopedNetns ns;
        path = ns.path();
        CHECK(path == "/run/netns/" + ns.name());
        CHECK(linux::NetNs::current().sameAs(before));
        const auto handle = ns.open();
        CHECK_FALSE(handle.sameAs(before));
        CHECK(linkExistsIn(path, "lo"));
        CHECK_FALSE(linkExistsIn(path, "eth0"));
    }
    CHECK_FALSE(exists(path));
    ScopedNetns named("ibt" + std::to_string(::getpid()) + "named");
    CHECK(named.name() == "ibt" + std::to_string(::getpid()) + "named");
    CHECK_THROWS(ScopedNetns(named.name()));  // already exists
}

TEST_CASE("VethPair: peer in another namespace; cleaned up wherever the end went") {
    ScopedNetns home;
    ScopedNetns peerNs;
    ScopedNetns elsewhere;
    std::string a;
    std::string b;
    {
        auto veth = linux::runInNetNs(home.open(), [&] { return std::make_unique<VethPair>(uniqueName(), uniqueName(), peerNs.path()); });
        a = veth->a();
        b = veth->b();
        CHECK(linkExistsIn(home.path(), a));
        CHECK(linkExistsIn(peerNs.path(), b));
        CHECK_FALSE(linkExistsIn(home.path(), b));
        CHECK(veth->aIndex() == linkIn(home.path(), a)->ifindex);
    }
    CHECK_FALSE(linkExistsIn(home.path(), a));
    CHECK_FALSE(linkExistsIn(peerNs.path(), b));

    // `a` moved and renamed by the code under test, the peer deleted by it: still found.
    const std::string moved = uniqueName("ibtm");
    {
        auto veth = lab::vethIn(home);
        veth->alsoSearch(elsewhere.path());
        auto sock = lab::routeSocketIn(home);
        sock.moveToNetNs(veth->aIndex(), elsewhere.open().fd(), moved);
        CHECK(linkExistsIn(elsewhere.path(), moved));
    }
    // Deleting the peer (still at home) took the moved end with it.
    CHECK_FALSE(linkExistsIn(elsewhere.path(), moved));
}

TEST_CASE("HostSnapshot: equal when nothing changed; a diff names what did") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    const auto before = HostSnapshot::capture(ns.path());
    CHECK(before == HostSnapshot::capture(ns.path()));
    CHECK(before.diff(HostSnapshot::capture(ns.path())).empty());
    CHECK(before.links.size() == 3);

    auto sock = lab::routeSocketIn(ns);
    sock.setMtu(veth->aIndex(), 1400);
    sock.setAdminUp(veth->aIndex(), true);
    sock.addAddress(veth->aIndex(), lab::prefix("10.70.0.1/24"));
    const auto after = HostSnapshot::capture(ns.path());
    CHECK_FALSE(before == after);
    const auto diff = before.diff(after);
    CHECK(diff.find("- link " + std::to_string(veth->aIndex()) + " " + veth->a() + " mtu 1500 down") != std::string::npos);
    CHECK(diff.find("+ link " + std::to_string(veth->aIndex()) + " " + veth->a() + " mtu 1400 up") != std::string::npos);
    CHECK(diff.find("+ addr " + veth->a() + " 10.70.0.1/24") != std::string::npos);
    CHECK(diff.find("+ route 10.70.0.0/24 dev " + veth->a()) != std::string::npos);

    sock.deleteAddress(veth->aIndex(), lab::prefix("10.70.0.1/24"));
    sock.setAdminUp(veth->aIndex(), false);
    sock.setMtu(veth->aIndex(), 1500);
    const auto restored = HostSnapshot::capture(ns.path());
    CHECK_MESSAGE(before == restored, before.diff(restored));
}

TEST_CASE("HostSnapshot of the real host leaves out other test processes' links") {
    // Only reads the host namespace; the suite's own work all happens in scoped namespaces.
    const auto snap = HostSnapshot::capture();
    CHECK(std::any_of(snap.links.begin(), snap.links.end(), [](const std::string& l) { return l.find(" lo mtu ") != std::string::npos; }));
    for (const auto& l : snap.links) {
        const auto pos = l.find(" ibt");
        if (pos == std::string::npos) continue;
        // Any ibt link listed must be ours ("ibt" and maybe more letters, then our pid).
        CHECK(l.find(std::to_string(::getpid()) + "x", pos) != std::string::npos);
    }
}

TEST_CASE("BinaryRunner: env as given plus PATH and IBVF_*, stdout parsed as JSON") {
    ::setenv("IBVF_TEST_PASSTHROUGH", "yes", 1);
    ::setenv("NOT_IBVF_TEST", "no", 1);
    BinaryRunner env("/usr/bin/env");
    const auto r = env.run({{"CNI_COMMAND", "VERSION"}, {"IBVF_TEST_PASSTHROUGH", "overridden"}}, "");
    ::unsetenv("IBVF_TEST_PASSTHROUGH");
    ::unsetenv("NOT_IBVF_TEST");
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("CNI_COMMAND=VERSION\n") != std::string::npos);
    CHECK(r.out.find("IBVF_TEST_PASSTHROUGH=overridden\n") != std::string::npos);
    CHECK(r.out.find("NOT_IBVF_TEST") == std::string::npos);
    if (std::getenv("PATH")) CHECK(r.out.find("PATH=") != std::string::npos);
    CHECK_FALSE(r.json);

    BinaryRunner cat("/bin/cat");
    const auto j = cat.run({}, R"({"cniVersion":"1.0.0","code":7})");
    REQUIRE(j.json);
    CHECK((*j.json)["code"].GetInt() == 7);
    CHECK(j.summary().find("exit 0") == 0);

    CHECK(BinaryRunner("ibvf").path() == std::string(IBVF_BUILD_DIR) + "/ibvf");
    CHECK_THROWS_AS(BinaryRunner("ibvf-no-such-binary").run({}, ""), linux::KernelError);
}

TEST_CASE("RecordingIpoibLinks: a real link stands in for the child, in the caller's namespace") {
    ScopedNetns ns;
    RecordingIpoibLinks links;
    linux::IpoibChildSpec spec;
    spec.parentIfindex = 7;
    spec.name = uniqueName("ibt");
    spec.pkey = linux::Pkey::parse("0x8002");
    const int ifindex = linux::runInNetNs(ns.open(), [&] { return links.createChild(spec); });
    const auto link = linkIn(ns.path(), spec.name);
    REQUIRE(link);
    CHECK(link->ifindex == ifindex);
    CHECK_FALSE(linkExistsIn({}, spec.name));

    links.failOperation("deleteChild", EBUSY, 1);
    CHECK_THROWS_AS(linux::runInNetNs(ns.open(), [&] { return links.deleteChild(ifindex); }), linux::KernelError);
    CHECK(linkExistsIn(ns.path(), spec.name));
    CHECK(linux::runInNetNs(ns.open(), [&] { return links.deleteChild(ifindex); }));
    CHECK_FALSE(linkExistsIn(ns.path(), spec.name));
    CHECK_FALSE(linux::runInNetNs(ns.open(), [&] { return links.deleteChild(ifindex); }));
    CHECK(links.callStrings() == std::vector<std::string>{"createChild " + spec.name + " parent=7 pkey=0x8002 mode=datagram umcast=0",
                                                          "deleteChild " + std::to_string(ifindex) + " -> errno 16",
                                                          "deleteChild " + std::to_string(ifindex),
                                                          "deleteChild " + std::to_string(ifindex)});

    RecordingIpoibLinks noStandIn(false);
    const int fake = noStandIn.createChild(spec);
    CHECK(fake >= 100000);
    CHECK_FALSE(linkExistsIn({}, spec.name));
    CHECK(noStandIn.deleteChild(fake));
    CHECK_FALSE(noStandIn.deleteChild(fake));
}

TEST_CASE("RecordingRdmaNetns: in exclusive mode a device is seen only from the namespace it is in") {
    RecordingRdmaNetns rdma;
    rdma.addDevice("mlx5_3", 3);
    ScopedNetns pod;
    const auto podNs = pod.open();
    const std::string podId = RecordingRdmaNetns::netnsIdOfFd(podNs.fd());
    CHECK(podId != rdma.initialNetns());

    rdma.moveToNetns("mlx5_3", podNs.fd());
    CHECK(rdma.netnsOf("mlx5_3") == podId);
    CHECK_FALSE(rdma.deviceIndex("mlx5_3"));  // gone from here
    CHECK(linux::runInNetNs(podNs, [&] { return rdma.deviceIndex("mlx5_3"); }) == 3u);

    // Moving it back must happen from inside the pod.
    const auto host = linux::NetNs::current();
    try {
        rdma.moveToNetns("mlx5_3", host.fd());
        FAIL("moved a device not visible here");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
    }
    linux::runInNetNs(podNs, [&] { rdma.moveToNetns("mlx5_3", host.fd()); });
    CHECK(rdma.netnsOf("mlx5_3") == rdma.initialNetns());
    CHECK(rdma.deviceIndex("mlx5_3") == 3u);

    rdma.setMode(linux::RdmaNetnsMode::Shared);
    CHECK(linux::runInNetNs(podNs, [&] { return rdma.deviceIndex("mlx5_3"); }) == 3u);
    const std::string hostId = RecordingRdmaNetns::netnsIdOfFd(host.fd());
    CHECK(rdma.callStrings() == std::vector<std::string>{"moveToNetns mlx5_3 -> " + podId, "deviceIndex mlx5_3", "deviceIndex mlx5_3",
                                                         "moveToNetns mlx5_3 -> " + hostId + " -> errno 19",
                                                         "moveToNetns mlx5_3 -> " + hostId, "deviceIndex mlx5_3", "deviceIndex mlx5_3"});
}
