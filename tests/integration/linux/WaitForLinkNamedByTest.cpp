// waitForLinkNamedBy: the name comes from a lookup that only succeeds once the device exists
// (sysfs after a driver rebind); the wait is woken by link events.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "linux/RouteSocket.hpp"
#include "support/TestNet.hpp"

using namespace ibvf;
using namespace std::chrono_literals;

TEST_CASE("waitForLinkNamedBy returns the link once the lookup names an existing one") {
    const std::string a = test::uniqueName();
    const std::string b = test::uniqueName();
    std::atomic<bool> published{false};
    std::unique_ptr<test::VethPair> veth;
    std::thread creator([&] {
        std::this_thread::sleep_for(50ms);
        // The kernel adds the sysfs entry before it announces the netdev on netlink: the name is
        // known before the link can be found, and the event is what wakes the waiter.
        published = true;
        std::this_thread::sleep_for(50ms);
        veth = std::make_unique<test::VethPair>(a, b);
    });
    linux::RouteSocket sock;
    const auto start = std::chrono::steady_clock::now();
    auto link = sock.waitForLinkNamedBy(
        [&]() -> std::optional<std::string> {
            if (!published) return std::nullopt;
            return a;
        },
        5000);
    const auto took = std::chrono::steady_clock::now() - start;
    creator.join();
    REQUIRE(link);
    CHECK(link->name == a);
    CHECK(took >= 90ms);
    CHECK(took < 2s);
}

TEST_CASE("waitForLinkNamedBy gives up at the timeout when nothing appears") {
    linux::RouteSocket sock;
    const auto start = std::chrono::steady_clock::now();
    int asked = 0;
    auto link = sock.waitForLinkNamedBy(
        [&]() -> std::optional<std::string> {
            ++asked;
            return std::string("ibtnever0");
        },
        200);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(link);
    CHECK(took >= 190ms);
    CHECK(took < 1500ms);
    CHECK(asked >= 1);
}
