#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/LeaseStore.hpp"
#include "linux/FileLock.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

Range range(std::string subnet, std::optional<std::string> start = {}, std::optional<std::string> end = {}) {
    return makeRange(RangeSpec{std::move(subnet), std::move(start), std::move(end), std::nullopt}, "r");
}

const std::vector<RangeSet> kDual{{range("10.1.2.0/24")}, {range("fd00::/120")}};
const std::vector<std::optional<net::IpAddress>> kNone;

std::vector<std::string> strings(const std::vector<net::IpAddress>& v) {
    std::vector<std::string> out;
    for (const auto& a : v) out.push_back(a.toString());
    return out;
}

}  // namespace

TEST_CASE("allocate, records on disk, release") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    const auto a = store.allocate({"c1", "net1"}, kDual, {}, kNone);
    CHECK(strings(a) == std::vector<std::string>{"10.1.2.2", "fd00::2"});
    const auto b = store.allocate({"c2", "net1"}, kDual, {}, kNone);
    CHECK(strings(b) == std::vector<std::string>{"10.1.2.3", "fd00::3"});

    const auto raw = RawStore::read(store.location().dir);
    raw.checkInvariants();
    CHECK(raw.leases.size() == 4);
    CHECK(raw.leases.at("10.1.2.2").containerId == "c1");
    CHECK(raw.leases.at("10.1.2.2").ifname == "net1");
    CHECK(std::stoll(raw.leases.at("10.1.2.2").takenAt) > 1'600'000'000);
    CHECK(raw.indexes.at("c2:net1") == std::vector<std::string>{"10.1.2.3", "fd00::3"});
    CHECK(raw.cursors.at(0) == "10.1.2.3");
    CHECK(raw.cursors.at(1) == "fd00::3");
    CHECK_FALSE(raw.pending);

    CHECK(strings(store.leasesOf({"c1", "net1"})) == std::vector<std::string>{"10.1.2.2", "fd00::2"});
    CHECK(store.leasesOf({"c1", "net2"}).empty());
    CHECK(store.list().size() == 4);

    CHECK(store.release({"c1", "net1"}) == 2);
    CHECK(store.release({"c1", "net1"}) == 0);  // idempotent
    CHECK(store.release({"never", "net1"}) == 0);
    const auto after = RawStore::read(store.location().dir);
    CHECK(after.leases.size() == 2);
    CHECK(after.indexes.count("c1:net1") == 0);

    // Round robin continues after the last one handed out, not at the freed .2.
    CHECK(strings(store.allocate({"c3", "net1"}, kDual, {}, kNone)) == std::vector<std::string>{"10.1.2.4", "fd00::4"});
}

TEST_CASE("the same container with another ifname is another attachment") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    const auto a = store.allocate({"c1", "net1"}, kDual, {}, kNone);
    const auto b = store.allocate({"c1", "net2"}, kDual, {}, kNone);
    CHECK(a != b);
    CHECK(store.release({"c1", "net1"}) == 2);
    CHECK(store.leasesOf({"c1", "net2"}) == b);
}

TEST_CASE("DEL, GC and CHECK on a network that never had a lease create nothing") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    CHECK(store.release({"c1", "net1"}) == 0);
    CHECK(store.releaseAllExcept({}) == 0);
    CHECK(store.leasesOf({"c1", "net1"}).empty());
    CHECK(store.list().empty());
    CHECK_FALSE(fs::exists(store.location().dir));
}

TEST_CASE("a repeated ADD returns what the attachment holds") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    const auto first = store.allocate({"c1", "net1"}, kDual, {}, kNone);
    const auto cursorsBefore = RawStore::read(store.location().dir).cursors;
    CHECK(store.allocate({"c1", "net1"}, kDual, {}, kNone) == first);
    const auto raw = RawStore::read(store.location().dir);
    CHECK(raw.leases.size() == 2);
    CHECK(raw.cursors == cursorsBefore);
    raw.checkInvariants();
}

TEST_CASE("a repeated ADD asking for another address moves the lease") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    store.allocate({"c1", "net1"}, kDual, {}, kNone);
    const auto moved = store.allocate({"c1", "net1"}, kDual, {}, {ip("10.1.2.100"), std::nullopt});
    CHECK(strings(moved) == std::vector<std::string>{"10.1.2.100", "fd00::2"});
    const auto raw = RawStore::read(store.location().dir);
    raw.checkInvariants();
    CHECK(raw.leases.count("10.1.2.2") == 0);
    CHECK(raw.indexes.at("c1:net1") == std::vector<std::string>{"10.1.2.100", "fd00::2"});
}

TEST_CASE("a held address that the config now excludes is replaced on re-ADD") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    store.allocate({"c1", "net1"}, kDual, {}, kNone);
    const auto ex = Exclusions::parse({"10.1.2.2"}, "x");
    const auto again = store.allocate({"c1", "net1"}, kDual, ex, kNone);
    CHECK(strings(again) == std::vector<std::string>{"10.1.2.3", "fd00::2"});
    RawStore::read(store.location().dir).checkInvariants();
}

TEST_CASE("requested addresses: granted, taken, unassignable") {
    TempDir root;
    LeaseStore store(locationIn(root.path(), "reqnet"));
    CHECK(strings(store.allocate({"c1", "net1"}, kDual, {}, {ip("10.1.2.50"), ip("fd00::50")})) ==
          std::vector<std::string>{"10.1.2.50", "fd00::50"});
    // A request does not move the round-robin cursor.
    CHECK(strings(store.allocate({"c2", "net1"}, kDual, {}, kNone)) == std::vector<std::string>{"10.1.2.2", "fd00::2"});

    const auto before = RawStore::read(store.location().dir);
    auto e = errorOf([&] { store.allocate({"c3", "net1"}, kDual, {}, {ip("10.1.2.50"), std::nullopt}); });
    CHECK(e.code() == cni::ErrorCode::IpamFailure);
    CHECK(e.msg().find("network reqnet: requested address 10.1.2.50 is already leased to container c1 interface net1") !=
          std::string::npos);
    e = errorOf([&] { store.allocate({"c3", "net1"}, kDual, {}, {ip("10.1.2.1"), std::nullopt}); });
    CHECK(e.code() == cni::ErrorCode::IpamFailure);
    CHECK(e.msg().find("gateway") != std::string::npos);
    e = errorOf([&] { store.allocate({"c3", "net1"}, kDual, Exclusions::parse({"10.1.2.60"}, "x"), {ip("10.1.2.60"), {}}); });
    CHECK(e.msg().find("excluded") != std::string::npos);
    const auto after = RawStore::read(store.location().dir);
    CHECK(after.leases.size() == before.leases.size());
    CHECK(after.indexes == before.indexes);
    CHECK(after.cursors == before.cursors);
}

TEST_CASE("exhaustion names the network and the range set and changes nothing") {
    TempDir root;
    LeaseStore store(locationIn(root.path(), "tiny"));
    const std::vector<RangeSet> sets{{range("10.1.2.0/24")}, {range("10.9.0.0/30")}};  // set 1: one address (.2)
    store.allocate({"c1", "net1"}, sets, {}, kNone);
    const auto before = RawStore::read(store.location().dir);
    const auto e = errorOf([&] { store.allocate({"c2", "net1"}, sets, {}, kNone); });
    CHECK(e.code() == cni::ErrorCode::IpamFailure);
    CHECK(e.msg() == "network tiny: no free address left in range set 1 (10.9.0.0/30 (10.9.0.1-10.9.0.2))");
    const auto after = RawStore::read(store.location().dir);
    CHECK(after.leases.size() == before.leases.size());
    CHECK(after.indexes == before.indexes);
    CHECK(after.cursors == before.cursors);
    CHECK(after.indexes.count("c2:net1") == 0);
}

TEST_CASE("GC keeps the valid attachments and releases the rest") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    for (int i = 0; i < 6; ++i) store.allocate({numbered("c", i), "net1"}, kDual, {}, kNone);
    CHECK(store.releaseAllExcept({{"c1", "net1"}, {"c4", "net1"}, {"c9", "net1"}}) == 8);
    const auto raw = RawStore::read(store.location().dir);
    raw.checkInvariants();
    CHECK(raw.leases.size() == 4);
    CHECK(raw.indexes.size() == 2);
    CHECK(raw.addressesOf("c1", "net1").size() == 2);
    CHECK(raw.addressesOf("c4", "net1").size() == 2);
    CHECK(store.releaseAllExcept({}) == 4);
    CHECK(RawStore::read(store.location().dir).leases.empty());
}

TEST_CASE("GC removes leases no index accounts for, and a stale .pending") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    store.allocate({"c1", "net1"}, kDual, {}, kNone);
    const fs::path dir = store.location().dir;
    fs::create_symlink("c1 net1 1700000000", dir / "leases" / "10.1.2.77");     // owner kept, not in its index
    fs::create_symlink("ghost net1 1700000000", dir / "leases" / "10.1.2.78");  // no index at all
    fs::create_symlink("10.1.2.9", dir / ".pending");
    CHECK(store.releaseAllExcept({{"c1", "net1"}}) == 2);
    const auto raw = RawStore::read(dir);
    raw.checkInvariants();
    CHECK(raw.leases.size() == 2);
    CHECK_FALSE(raw.pending);
}

TEST_CASE("a held lock makes the operation fail with TryAgainLater after the timeout") {
    TempDir root;
    LeaseStore store(locationIn(root.path(), "busy", std::chrono::milliseconds(100)));
    store.allocate({"c1", "net1"}, kDual, {}, kNone);
    const auto held = linux::FileLock::tryAcquire(store.location().dir / "lock", std::chrono::milliseconds(100));
    REQUIRE(held);
    const auto start = std::chrono::steady_clock::now();
    auto e = errorOf([&] { store.allocate({"c2", "net1"}, kDual, {}, kNone); });
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(e.code() == cni::ErrorCode::TryAgainLater);
    CHECK(e.msg().find("network busy") != std::string::npos);
    CHECK(waited >= std::chrono::milliseconds(100));
    CHECK(waited < std::chrono::seconds(3));
    e = errorOf([&] { store.release({"c1", "net1"}); });
    CHECK(e.code() == cni::ErrorCode::TryAgainLater);
    CHECK(RawStore::read(store.location().dir).leases.size() == 2);
}

TEST_CASE("attachment keys that cannot be stored") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    const std::string longId(201, 'a');
    const auto e = errorOf([&] { store.allocate({longId, "net1"}, kDual, {}, kNone); });
    CHECK(e.code() == cni::ErrorCode::InvalidEnvironment);
    CHECK(errorOf([&] { store.allocate({"bad id", "net1"}, kDual, {}, kNone); }).code() == cni::ErrorCode::InvalidEnvironment);
    CHECK(store.release({longId, "net1"}) == 0);
    CHECK(store.allocate({std::string(200, 'b'), "ib0.8001"}, kDual, {}, kNone).size() == 2);
}

TEST_CASE("round robin continues past a thousand leases instead of reusing a freed one") {
    TempDir root;
    LeaseStore store(locationIn(root.path()));
    const std::vector<RangeSet> big{{range("10.20.0.0/16")}};
    for (int i = 0; i < 1000; ++i) store.allocate({numbered("c", i), "net1"}, big, {}, kNone);
    store.release({"c5", "net1"});                                                 // far behind the cursor
    CHECK(store.allocate({"x", "net1"}, big, {}, kNone)[0] == ip("10.20.3.234"));  // offset 2 + 1000
    const auto raw = RawStore::read(store.location().dir);
    raw.checkInvariants();
    CHECK(raw.leases.size() == 1000);
}
