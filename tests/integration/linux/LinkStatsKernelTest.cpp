// LinkStatsReader against the real kernel: link stats read inside a namespace move by what the
// test sends through a veth pair between two throw-away namespaces; links that are gone come
// back as typed results.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "Lab.hpp"
#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"
#include "linux/LinkStats.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

// A veth pair between two namespaces, both ends up and addressed: `a` (10.77.9.1/24) in
// `sender`, `b` (10.77.9.2/24) in `pod`.
struct TwoNamespaces {
    ScopedNetns sender;
    ScopedNetns pod;
    std::unique_ptr<VethPair> veth;

    TwoNamespaces() {
        veth = linux::runInNetNs(sender.open(), [&] { return std::make_unique<VethPair>(uniqueName(), uniqueName(), pod.path()); });
        auto s = lab::routeSocketIn(sender);
        s.addAddress(veth->aIndex(), lab::prefix("10.77.9.1/24"));
        s.setAdminUp(veth->aIndex(), true);
        auto p = lab::routeSocketIn(pod);
        const int bIndex = p.linkByName(veth->b())->ifindex;
        p.addAddress(bIndex, lab::prefix("10.77.9.2/24"));
        p.setAdminUp(bIndex, true);
    }

    // `count` UDP datagrams of `payload` bytes from the sender's namespace to b's address.
    void sendUdp(int count, std::size_t payload) const {
        linux::runInNetNs(sender.open(), [&] {
            linux::Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            REQUIRE(sock);
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_port = htons(9);  // discard; nobody listens, b counts the frames anyway
            REQUIRE(::inet_pton(AF_INET, "10.77.9.2", &to.sin_addr) == 1);
            const std::string data(payload, 'x');
            for (int i = 0; i < count; ++i) {
                const ssize_t n = ::sendto(sock.get(), data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
                REQUIRE(n == static_cast<ssize_t>(data.size()));
            }
        });
    }
};

// Reads b's counters in the pod's namespace until `done` holds or 5 s pass (the first
// datagrams wait for ARP, and the kernel may drop some while the link is coming up).
template <class Done>
linux::LinkCounters waitForCounters(const TwoNamespaces& t, Done&& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        auto reader = linux::LinkStatsReader::open(t.pod.open());
        REQUIRE(reader.ok());
        auto link = reader.value().byName(t.veth->b());
        REQUIRE(link.ok());
        if (done(link.value()) || std::chrono::steady_clock::now() > deadline) return link.value();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

TEST_CASE("LinkStatsReader: b's counters inside the pod's namespace move by at least what was sent") {
    TwoNamespaces t;
    const auto host = linux::NetNs::current();
    const auto before = waitForCounters(t, [](const linux::LinkCounters&) { return true; });

    const int count = 50;
    const std::size_t payload = 1000;
    int sent = 0;
    // Resend until everything arrived: datagrams queued behind ARP may be dropped.
    linux::LinkCounters after;
    for (int round = 0; round < 5; ++round) {
        t.sendUdp(count, payload);
        sent += count;
        after = waitForCounters(t, [&](const linux::LinkCounters& c) {
            return c.stats.rxPackets - before.stats.rxPackets >= static_cast<std::uint64_t>(count);
        });
        if (after.stats.rxPackets - before.stats.rxPackets >= static_cast<std::uint64_t>(count)) break;
    }
    INFO("sent " << sent << " datagrams");
    CHECK(after.stats.rxPackets - before.stats.rxPackets >= static_cast<std::uint64_t>(count));
    CHECK(after.stats.rxBytes - before.stats.rxBytes >= count * payload);
    CHECK(after.adminUp);
    CHECK(after.name == t.veth->b());
    CHECK(linux::NetNs::current().sameAs(host));  // the reader left the thread where it was

    // The sender's side counts them as transmitted; one dump holds every link of a namespace.
    auto senderReader = linux::LinkStatsReader::open(t.sender.open());
    REQUIRE(senderReader.ok());
    CHECK(senderReader.value().netnsPath() == t.sender.path());
    auto all = senderReader.value().all();
    REQUIRE(all.ok());
    REQUIRE(all.value().count(t.veth->a()) == 1);
    CHECK(all.value().count("lo") == 1);
    const auto& a = all.value().at(t.veth->a());
    CHECK(a.stats.txPackets >= static_cast<std::uint64_t>(count));
    CHECK(a.stats.txBytes >= count * payload);
    CHECK(a.stats.txPackets >= after.stats.rxPackets);  // b received only what a sent
    CHECK(all.value().count(t.veth->b()) == 0);         // b is in the other namespace

    // By index, the same link.
    auto byIndex = senderReader.value().byIndex(a.ifindex);
    REQUIRE(byIndex.ok());
    CHECK(byIndex.value().name == t.veth->a());
    CHECK(byIndex.value().stats.txPackets >= a.stats.txPackets);
}

// A namespace that is gone is told by openRecordedNetns before a reader is opened (NetNsTest.cpp).
TEST_CASE("LinkStatsReader: a link that is gone is a typed result, not an exception") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto reader = linux::LinkStatsReader::open(ns.open());
    REQUIRE(reader.ok());
    REQUIRE(reader.value().byName(veth->a()).ok());
    CHECK(deleteLink(veth->a(), ns.path()));
    const auto linkGone = reader.value().byName(veth->a());
    REQUIRE_FALSE(linkGone.ok());
    CHECK(linkGone.error().kind == linux::ReadFailure::DeviceGone);
    CHECK(linkGone.error().err == ENODEV);
    CHECK(linkGone.error().message == "read stats of link " + veth->a() + " in netns " + ns.path() + ": No such device");
    const auto indexGone = reader.value().byIndex(veth->aIndex());
    REQUIRE_FALSE(indexGone.ok());
    CHECK(indexGone.error().kind == linux::ReadFailure::DeviceGone);
    CHECK(reader.value().byName("").error().kind == linux::ReadFailure::Failed);
}
