// The running daemon reclaims allocation records from kubelet's pod-resources list.
#include <doctest/doctest.h>

#include <fstream>

#include "DevicePluginLab.hpp"
#include "deviceplugin/Allocation.hpp"
#include "node/AllocationRecord.hpp"
#include "support/TimeScale.hpp"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;
using Clock = std::chrono::system_clock;

namespace {

const auto kSoon = ibvf::test::scaled(std::chrono::seconds(8));

fs::path recordPath(const DevicePluginLab& lab, const std::string& bdf) { return lab.runDir() / "allocations" / (bdf + ".json"); }

void writeRecord(const DevicePluginLab& lab, const std::string& bdf, Clock::time_point at) {
    fs::create_directories(lab.runDir() / "allocations");
    std::ofstream(recordPath(lab, bdf)) << R"({"pciAddress":")" << bdf << R"(","resource":"rdma/vhca","time":")"
                                        << ibvf::node::recordTimeText(at) << "\"}\n";
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("records of VFs no container holds are reclaimed; held and young ones stay") {
    DevicePluginLab lab(4);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    const auto old = Clock::now() - 1h;
    writeRecord(lab, vfAddress(0, 0), old);           // held by pod-a
    writeRecord(lab, vfAddress(0, 1), old);           // its pod is gone
    writeRecord(lab, vfAddress(0, 2), Clock::now());  // Allocate just happened, container not yet listed
    writeRecord(lab, vfAddress(0, 3), old);           // held by pod-b
    FakePodResources kubelet(lab.podResourcesSocket());
    kubelet.setPods({{"pod-a", {vfAddress(0, 0)}}, {"pod-b", {vfAddress(0, 3)}}});

    auto daemon = lab.startDaemon({"--reclaim-interval", "1"});
    REQUIRE_MESSAGE(waitUntil([&] { return !fs::exists(recordPath(lab, vfAddress(0, 1))); }, kSoon), daemon->log());
    // Further rounds keep the others.
    const auto calls = kubelet.listCalls();
    REQUIRE_MESSAGE(waitUntil([&] { return kubelet.listCalls() >= calls + 2; }, kSoon), daemon->log());
    CHECK(fs::exists(recordPath(lab, vfAddress(0, 0))));
    CHECK(fs::exists(recordPath(lab, vfAddress(0, 2))));
    CHECK(fs::exists(recordPath(lab, vfAddress(0, 3))));

    // pod-b ends: its record goes at the next round; pod-a's stays.
    kubelet.setPods({{"pod-a", {vfAddress(0, 0)}}});
    CHECK_MESSAGE(waitUntil([&] { return !fs::exists(recordPath(lab, vfAddress(0, 3))); }, kSoon), daemon->log());
    CHECK(fs::exists(recordPath(lab, vfAddress(0, 0))));
    CHECK(fs::exists(recordPath(lab, vfAddress(0, 2))));
    CHECK(daemon->log().find("reclaimed 1 allocation record(s) of VFs no container holds") != std::string::npos);
    CHECK(daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("without kubelet's pod-resources socket nothing is reclaimed, and that is logged once") {
    DevicePluginLab lab(2);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    writeRecord(lab, vfAddress(0, 1), Clock::now() - 1h);
    auto daemon = lab.startDaemon({"--reclaim-interval", "1"});
    REQUIRE(lab.kubelet().waitForRegistrations(1, kSoon).size() == 1);
    std::this_thread::sleep_for(2500ms);  // at least two reclaim rounds
    CHECK(fs::exists(recordPath(lab, vfAddress(0, 1))));
    const std::string missing = "pod-resources socket " + lab.podResourcesSocket().string() + " is missing";
    CHECK_MESSAGE(occurrences(daemon->log(), missing) == 1, daemon->log());

    SUBCASE("once kubelet answers, the old unheld record goes") {
        FakePodResources kubelet(lab.podResourcesSocket());
        CHECK_MESSAGE(waitUntil([&] { return !fs::exists(recordPath(lab, vfAddress(0, 1))); }, kSoon), daemon->log());
    }
    CHECK(daemon->terminate() == std::optional<int>(0));
}
