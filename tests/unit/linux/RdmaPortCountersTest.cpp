// RDMA port counters and state read from a fake sysfs tree (class/infiniband/<dev>/ports/<n>).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "linux/RdmaPortCounterCache.hpp"
#include "linux/RdmaPortCounters.hpp"
#include "support/FakeSysfs.hpp"

using namespace ibvf;

TEST_CASE("parsePortStateText: the kernel's \"<code>: <name>\"") {
    const auto active = linux::parsePortStateText("4: ACTIVE\n");
    REQUIRE(active);
    CHECK(active->first == 4u);
    CHECK(active->second == "ACTIVE");
    const auto phys = linux::parsePortStateText("5: LinkUp");
    REQUIRE(phys);
    CHECK(phys->first == 5u);
    CHECK(phys->second == "LinkUp");
    for (const char* bad : {"", "ACTIVE", "x: ACTIVE", ": ACTIVE"}) CHECK_MESSAGE(!linux::parsePortStateText(bad), bad);
}

TEST_CASE("CounterList: names in order, looked up by name; one interned copy of each name") {
    const linux::CounterList c{{"port_xmit_data", 7}, {"link_downed", 2}, {"symbol_error", 0}};
    std::vector<std::string> names;
    for (const auto& [name, value] : c) names.emplace_back(name);
    CHECK(names == std::vector<std::string>{"link_downed", "port_xmit_data", "symbol_error"});
    CHECK(c.find("port_xmit_data") == std::optional<std::uint64_t>(7));
    CHECK(c.find("link_downed") == std::optional<std::uint64_t>(2));
    CHECK(c.find("symbol_error") == std::optional<std::uint64_t>(0));
    CHECK_FALSE(c.find("port_rcv_data"));
    CHECK_FALSE(c.find("zz"));
    CHECK(c.at("link_downed") == 2);
    CHECK_THROWS_AS((void)c.at("port_rcv_data"), std::out_of_range);
    CHECK(c.count("symbol_error") == 1);
    CHECK(c.count("port_rcv_data") == 0);
    CHECK(c.size() == 3);
    CHECK(c == linux::CounterList{{"symbol_error", 0}, {"link_downed", 2}, {"port_xmit_data", 7}});
    CHECK_FALSE(c == linux::CounterList{{"symbol_error", 0}, {"link_downed", 3}, {"port_xmit_data", 7}});
    CHECK(linux::CounterList().empty());

    const std::string built = std::string("out_of_") + "buffer";
    const std::string_view a = linux::internCounterName("out_of_buffer");
    const std::string_view b = linux::internCounterName(built);
    CHECK(a == "out_of_buffer");
    CHECK(a.data() == b.data());  // one copy for the process, however the name was made
    CHECK(linux::internCounterName("out_of_sequence").data() != a.data());
    CHECK(a.data()[a.size()] == '\0');  // opened by name with openat
}

TEST_CASE("readRdmaPortCounters: every counter file, hw_counters, state, GUIDs; bad files skipped and counted") {
    test::FakeSysfs sysfs;
    sysfs.addPf("0000:3b:00.0", "ib0", 4, test::FakePfOptions().withRdma("mlx5_0"));
    sysfs.addVf("0000:3b:00.0", 0, "0000:3b:00.2", test::FakeVfOptions().withRdma("mlx5_1"));
    sysfs.setIbIdentity("mlx5_1", 0x0200000000000011ULL, 0x0200000000000022ULL, {0xffff});
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_data", "1000");
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_rcv_data", "2000");
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/link_downed", "3");
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/symbol_error", "18446744073709551615");
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_wait", "N/A");  // not a number: skipped
    sysfs.setRdmaPortFile("mlx5_1", 1, "hw_counters/out_of_buffer", "7");
    sysfs.setRdmaPortFile("mlx5_1", 1, "hw_counters/lifespan", "10");  // a setting, not a counter
    sysfs.setRdmaPortFile("mlx5_1", 1, "state", "4: ACTIVE");
    sysfs.setRdmaPortFile("mlx5_1", 1, "phys_state", "5: LinkUp");
    sysfs.setRdmaPortFile("mlx5_1", 1, "link_layer", "InfiniBand");
    sysfs.setRdmaPortFile("mlx5_1", 2, "state", "1: DOWN");  // a second port, without counters

    const auto result = linux::readRdmaPortCounters(linux::Sysfs(sysfs.root()), "mlx5_1");
    REQUIRE(result.ok());
    const auto& ports = result.value();
    REQUIRE(ports.size() == 2);
    const auto& p = ports[0];
    CHECK(p.device == "mlx5_1");
    CHECK(p.port == 1u);
    CHECK(p.source == linux::CounterSource::Sysfs);
    CHECK(p.counters ==
          ibvf::linux::CounterList{
              {"link_downed", 3}, {"port_rcv_data", 2000}, {"port_xmit_data", 1000}, {"symbol_error", 18446744073709551615ULL}});
    CHECK(p.hwCounters == ibvf::linux::CounterList{{"out_of_buffer", 7}});
    CHECK(p.state == 4u);
    CHECK(p.stateName == "ACTIVE");
    CHECK(p.physState == 5u);
    CHECK(p.physStateName == "LinkUp");
    CHECK(p.linkLayer == "InfiniBand");
    REQUIRE(p.nodeGuid);
    CHECK(p.nodeGuid->value() == 0x0200000000000011ULL);
    REQUIRE(p.portGuid);
    CHECK(p.portGuid->value() == 0x0200000000000022ULL);
    CHECK(p.unreadable == 1u);

    const auto& p2 = ports[1];
    CHECK(p2.port == 2u);
    CHECK(p2.state == 1u);
    CHECK(p2.counters.empty());
    CHECK(p2.hwCounters.empty());
    CHECK_FALSE(p2.physState);
    CHECK_FALSE(p2.portGuid);
    CHECK(p2.nodeGuid == p.nodeGuid);
    CHECK(p2.unreadable == 0u);
}

TEST_CASE("readRdmaPortCounters: a device not in this sysfs is NotVisible, a bad name Failed") {
    test::FakeSysfs sysfs;
    const linux::Sysfs view(sysfs.root());
    const auto moved = linux::readRdmaPortCounters(view, "mlx5_9");
    REQUIRE_FALSE(moved.ok());
    CHECK(moved.error().kind == linux::ReadFailure::NotVisible);
    CHECK(moved.error().message.find("mlx5_9") != std::string::npos);
    CHECK(linux::readFailureName(moved.error().kind) == "not_visible");
    for (const char* bad : {"", "..", "a/b"}) {
        const auto r = linux::readRdmaPortCounters(view, bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == linux::ReadFailure::Failed);
    }
}

namespace {

std::size_t openDescriptors() {
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator()));
}

std::uint64_t xmitData(linux::RdmaPortCounterCache& cache, const std::string& device) {
    const auto r = cache.read(device);
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    REQUIRE(r.value().size() == 1);
    return r.value()[0].counters.at("port_xmit_data");
}

}  // namespace

TEST_CASE("RdmaPortCounterCache: values read afresh each time; a device renamed, replaced or created again is not read as the old one") {
    test::FakeSysfs sysfs;
    sysfs.addPf("0000:3b:00.0", "ib0", 4, test::FakePfOptions().withRdma("mlx5_0"));
    sysfs.addVf("0000:3b:00.0", 0, "0000:3b:00.2", test::FakeVfOptions().withRdma("mlx5_1"));
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_data", "1000");
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_wait", "5");  // not asked for
    sysfs.setRdmaPortFile("mlx5_1", 1, "state", "4: ACTIVE");
    linux::RdmaPortCounterCache cache(linux::Sysfs(sysfs.root()), {"port_xmit_data", "port_rcv_data"},
                                      linux::RdmaPortCounterCache::KeepFiles::Yes);
    const auto first = cache.read("mlx5_1");
    REQUIRE(first.ok());
    CHECK(first.value()[0].counters == ibvf::linux::CounterList{{"port_xmit_data", 1000}});
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_data", "1001");
    CHECK(xmitData(cache, "mlx5_1") == 1001);
    CHECK(cache.cachedDevices() == 1);

    const auto classDir = sysfs.root() / "class/infiniband";
    const auto deviceDir = std::filesystem::canonical(classDir / "mlx5_1");

    SUBCASE("renamed, and another device takes its old name") {
        std::filesystem::rename(classDir / "mlx5_1", classDir / "mlx5_7");
        sysfs.addVf("0000:3b:00.0", 1, "0000:3b:00.3", test::FakeVfOptions().withRdma("mlx5_1"));
        sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_data", "5");
        CHECK(xmitData(cache, "mlx5_1") == 5);
        CHECK(xmitData(cache, "mlx5_7") == 1001);
        std::filesystem::remove(classDir / "mlx5_7");
        const auto gone = cache.read("mlx5_7");
        REQUIRE_FALSE(gone.ok());
        CHECK(gone.error().kind == linux::ReadFailure::NotVisible);
    }
    SUBCASE("removed and created again at the same place, with other files") {
        std::filesystem::remove_all(deviceDir);
        std::filesystem::create_directories(deviceDir);
        sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_rcv_data", "7");
        sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_data", "3");
        CHECK(xmitData(cache, "mlx5_1") == 3);
        const auto again = cache.read("mlx5_1");
        REQUIRE(again.ok());
        CHECK(again.value()[0].counters == ibvf::linux::CounterList{{"port_rcv_data", 7}, {"port_xmit_data", 3}});
        CHECK_FALSE(again.value()[0].state);  // no state file in the new one
    }
    SUBCASE("created again, a device with counter files only") {
        sysfs.addVf("0000:3b:00.0", 1, "0000:3b:00.3", test::FakeVfOptions().withRdma("mlx5_2"));
        sysfs.setRdmaPortFile("mlx5_2", 1, "counters/port_xmit_data", "10");
        CHECK(xmitData(cache, "mlx5_2") == 10);
        const auto dir2 = std::filesystem::canonical(classDir / "mlx5_2");
        std::filesystem::remove_all(dir2);
        std::filesystem::create_directories(dir2);
        sysfs.setRdmaPortFile("mlx5_2", 1, "counters/port_xmit_data", "11");
        CHECK(xmitData(cache, "mlx5_2") == 11);
    }
    SUBCASE("created again, a device with a state file only") {
        sysfs.addVf("0000:3b:00.0", 1, "0000:3b:00.3", test::FakeVfOptions().withRdma("mlx5_3"));
        sysfs.setRdmaPortFile("mlx5_3", 1, "state", "4: ACTIVE");
        const auto before = cache.read("mlx5_3");
        REQUIRE(before.ok());
        CHECK(before.value().at(0).state == 4u);
        const auto dir3 = std::filesystem::canonical(classDir / "mlx5_3");
        std::filesystem::remove_all(dir3);
        std::filesystem::create_directories(dir3);
        sysfs.setRdmaPortFile("mlx5_3", 1, "state", "1: DOWN");
        const auto after = cache.read("mlx5_3");
        REQUIRE(after.ok());
        CHECK(after.value().at(0).state == 1u);
    }
    SUBCASE("removed: NotVisible, and forgotten") {
        std::filesystem::remove_all(deviceDir);
        std::filesystem::remove(classDir / "mlx5_1");
        const auto gone = cache.read("mlx5_1");
        REQUIRE_FALSE(gone.ok());
        CHECK(gone.error().kind == linux::ReadFailure::NotVisible);
        CHECK(cache.cachedDevices() == 0);
    }
    SUBCASE("out of descriptors: Failed with the reason, not a device that went away") {
        sysfs.addVf("0000:3b:00.0", 1, "0000:3b:00.3", test::FakeVfOptions().withRdma("mlx5_4"));
        rlimit saved{};
        REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
        const int lowest = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        REQUIRE(lowest >= 0);
        ::close(lowest);
        rlimit tight = saved;
        tight.rlim_cur = static_cast<rlim_t>(lowest);  // the next descriptor is over the limit
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
        const auto r = cache.read("mlx5_4");
        ::setrlimit(RLIMIT_NOFILE, &saved);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == linux::ReadFailure::Failed);
        CHECK(r.error().err == EMFILE);
        CHECK(cache.read("mlx5_4").ok());
    }
    SUBCASE("a device not read between two sweeps is closed") {
        cache.sweep();
        CHECK(cache.cachedDevices() == 1);
        cache.sweep();
        CHECK(cache.cachedDevices() == 0);
        CHECK(xmitData(cache, "mlx5_1") == 1001);
    }
}

TEST_CASE(
    "RdmaPortCounterCache: counter files stay open between reads and are read again at offset 0; short of descriptors, "
    "each read opens and closes") {
    test::FakeSysfs sysfs;
    sysfs.addPf("0000:3b:00.0", "ib0", 4, test::FakePfOptions().withRdma("mlx5_0"));
    sysfs.addVf("0000:3b:00.0", 0, "0000:3b:00.2", test::FakeVfOptions().withRdma("mlx5_1"));
    sysfs.addVf("0000:3b:00.0", 1, "0000:3b:00.3", test::FakeVfOptions().withRdma("mlx5_2"));
    for (const char* dev : {"mlx5_1", "mlx5_2"}) {
        sysfs.setRdmaPortFile(dev, 1, "counters/port_xmit_data", "1000");
        sysfs.setRdmaPortFile(dev, 1, "counters/port_rcv_data", "2000");
        sysfs.setRdmaPortFile(dev, 1, "hw_counters/out_of_buffer", "3");
        sysfs.setRdmaPortFile(dev, 1, "state", "4: ACTIVE");
    }
    {
        // Not asked to: every file is opened and closed at each read.
        linux::RdmaPortCounterCache unkept(linux::Sysfs(sysfs.root()));
        unkept.open({"mlx5_1"});
        const std::size_t opened = openDescriptors();
        CHECK(xmitData(unkept, "mlx5_1") == 1000);
        CHECK(xmitData(unkept, "mlx5_1") == 1000);
        // The device's directory closed after node_guid's one read; no file kept.
        CHECK(openDescriptors() == opened - 1);
    }
    linux::RdmaPortCounterCache cache(linux::Sysfs(sysfs.root()), {}, linux::RdmaPortCounterCache::KeepFiles::Yes);
    cache.open({"mlx5_1"});  // the directories: what is kept whatever the descriptors
    const std::size_t before = openDescriptors();
    CHECK(xmitData(cache, "mlx5_1") == 1000);
    // 2 counters, 1 hw_counter and state held; the device's directory closed (read node_guid, once).
    CHECK(openDescriptors() == before + 3);
    // The files are written in place, as sysfs regenerates them: the held descriptors see it.
    sysfs.setRdmaPortFile("mlx5_1", 1, "counters/port_xmit_data", "1001");
    sysfs.setRdmaPortFile("mlx5_1", 1, "state", "1: DOWN");
    const auto again = cache.read("mlx5_1");
    REQUIRE(again.ok());
    CHECK(again.value()[0].counters.at("port_xmit_data") == 1001);
    CHECK(again.value()[0].state == 1u);
    CHECK(openDescriptors() == before + 3);

    // Short of descriptors: none is kept, the values are still read afresh.
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(2 * before);  // kept only below half the limit: below `before`, none
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    cache.open({"mlx5_1", "mlx5_2"});
    const std::size_t withSecond = openDescriptors();
    const auto first = cache.read("mlx5_2");
    sysfs.setRdmaPortFile("mlx5_2", 1, "counters/port_xmit_data", "1002");
    const auto second = cache.read("mlx5_2");
    const std::size_t after = openDescriptors();
    ::setrlimit(RLIMIT_NOFILE, &saved);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first.value()[0].counters.at("port_xmit_data") == 1000);
    CHECK(second.value()[0].counters.at("port_xmit_data") == 1002);
    CHECK(second.value()[0].hwCounters.at("out_of_buffer") == 3);
    CHECK(after == withSecond);
}
