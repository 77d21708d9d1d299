// waitForLink: event-driven, sees links created or renamed by someone else, honours its timeout.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "Lab.hpp"

using namespace ibvf;
using namespace ibvf::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

long long msSince(Clock::time_point t) { return std::chrono::duration_cast<milliseconds>(Clock::now() - t).count(); }

}  // namespace

TEST_CASE("waitForLink returns at once for a link that already exists") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    const auto start = Clock::now();
    const auto found = sock.waitForLink(veth->a(), 5000);
    REQUIRE(found);
    CHECK(found->ifindex == veth->aIndex());
    CHECK(msSince(start) < 1000);
}

TEST_CASE("waitForLink sees a link another thread creates 100 ms later") {
    ScopedNetns ns;
    auto sock = lab::routeSocketIn(ns);
    const std::string a = uniqueName();
    const std::string b = uniqueName();
    std::unique_ptr<VethPair> veth;
    // Noise first: a link with another name must not end the wait.
    std::thread creator([&] {
        std::this_thread::sleep_for(milliseconds(30));
        auto noise = lab::vethIn(ns);
        std::this_thread::sleep_for(milliseconds(70));
        linux::runInNetNs(ns.open(), [&] { veth = std::make_unique<VethPair>(a, b); });
    });
    const auto start = Clock::now();
    const auto found = sock.waitForLink(a, 5000);
    const auto elapsed = msSince(start);
    creator.join();
    REQUIRE(found);
    CHECK(found->name == a);
    CHECK(found->kind == "veth");
    CHECK(found->ifindex == veth->aIndex());
    CHECK(elapsed >= 90);
    CHECK(elapsed < 3000);
    // The socket is still usable for requests afterwards.
    CHECK(sock.linkByName(b));
}

TEST_CASE("waitForLink sees a rename onto the awaited name (a netdev coming back after rebind)") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto sock = lab::routeSocketIn(ns);
    const std::string wanted = uniqueName("ibtw");
    std::thread renamer([&] {
        std::this_thread::sleep_for(milliseconds(100));
        auto other = lab::routeSocketIn(ns);
        other.rename(veth->aIndex(), wanted);
    });
    const auto found = sock.waitForLink(wanted, 5000);
    renamer.join();
    REQUIRE(found);
    CHECK(found->ifindex == veth->aIndex());
    auto other = lab::routeSocketIn(ns);
    other.rename(veth->aIndex(), veth->a());
}

TEST_CASE("waitForLink times out within its bound and leaves no stale events behind") {
    ScopedNetns ns;
    auto sock = lab::routeSocketIn(ns);
    const std::string missing = uniqueName();

    const auto start = Clock::now();
    CHECK_FALSE(sock.waitForLink(missing, 200));
    const auto elapsed = msSince(start);
    CHECK(elapsed >= 195);
    CHECK(elapsed < 1000);

    const auto zero = Clock::now();
    CHECK_FALSE(sock.waitForLink(missing, 0));
    CHECK(msSince(zero) < 100);

    // Events queued behind the one a wait returned on must not satisfy a later wait: B is
    // created and deleted right after A, while the first wait may still be subscribed.
    const std::string a = uniqueName();
    const std::string b = uniqueName();
    std::unique_ptr<VethPair> keep;
    std::thread churn([&] {
        std::this_thread::sleep_for(milliseconds(20));
        linux::runInNetNs(ns.open(), [&] {
            keep = std::make_unique<VethPair>(a, uniqueName());
            VethPair gone(b, uniqueName());
        });
    });
    const auto seen = sock.waitForLink(a, 5000);
    churn.join();
    REQUIRE(seen);
    CHECK(seen->name == a);
    CHECK_FALSE(linkExistsIn(ns.path(), b));
    CHECK_FALSE(sock.waitForLink(b, 100));
}
