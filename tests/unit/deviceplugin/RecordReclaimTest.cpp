// Which allocation records go: kubelet's list of assigned IDs, the grace period, record times.
#include <doctest/doctest.h>

#include <fstream>

#include "deviceplugin/RecordReclaim.hpp"
#include "node/AllocationRecord.hpp"
#include "support/ScratchDir.hpp"

namespace fs = std::filesystem;
using namespace ibvf::dp;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

constexpr const char* kVfA = "0000:3b:01.0";
constexpr const char* kVfB = "0000:3b:01.1";
constexpr const char* kVfC = "0000:3b:01.2";
constexpr const char* kVfD = "0000:3b:01.3";

void writeRecord(const fs::path& dir, const std::string& bdf, const std::string& json) {
    fs::create_directories(dir);
    std::ofstream(dir / (bdf + ".json")) << json;
}

std::string recordAt(const std::string& bdf, Clock::time_point t) {
    return R"({"pciAddress":")" + bdf + R"(","resource":"rdma/vhca","time":")" + ibvf::node::recordTimeText(t) + "\"}\n";
}

}  // namespace

TEST_CASE("reclaimUnassignedRecords: listed stay, unlisted old go, young stay whatever kubelet says") {
    ibvf::test::ScratchDir dir;
    const AllocationPaths paths{dir / "devinfo", dir / "allocations"};
    const auto now = Clock::now();
    writeRecord(paths.allocationsDir, kVfA, recordAt(kVfA, now - 1h));            // listed, old
    writeRecord(paths.allocationsDir, kVfB, recordAt(kVfB, now - 1h));            // unlisted, old
    writeRecord(paths.allocationsDir, kVfC, recordAt(kVfC, now - 30s));           // unlisted, within grace
    writeRecord(paths.allocationsDir, kVfD, R"({"pciAddress":"0000:3b:01.3"})");  // no time: its mtime counts
    fs::last_write_time(paths.allocationsDir / (std::string(kVfD) + ".json"), fs::file_time_type::clock::now() - 1h);
    std::ofstream(paths.allocationsDir / (std::string(kVfB) + ".json.tmp.1.1")) << "{}";  // a writer's temp file

    CHECK(reclaimUnassignedRecords({kVfA, "7"}, paths, 120s, now) == 2);
    CHECK(fs::exists(paths.allocationsDir / (std::string(kVfA) + ".json")));
    CHECK_FALSE(fs::exists(paths.allocationsDir / (std::string(kVfB) + ".json")));
    CHECK(fs::exists(paths.allocationsDir / (std::string(kVfC) + ".json")));
    CHECK_FALSE(fs::exists(paths.allocationsDir / (std::string(kVfD) + ".json")));
    CHECK(fs::exists(paths.allocationsDir / (std::string(kVfB) + ".json.tmp.1.1")));

    SUBCASE("the young record goes once the grace period is over, the listed one never") {
        CHECK(reclaimUnassignedRecords({kVfA}, paths, 120s, now + 91s) == 1);
        CHECK_FALSE(fs::exists(paths.allocationsDir / (std::string(kVfC) + ".json")));
        CHECK(reclaimUnassignedRecords({kVfA}, paths, 120s, now + 24h) == 0);
        CHECK(fs::exists(paths.allocationsDir / (std::string(kVfA) + ".json")));
    }
    SUBCASE("no records directory yet: nothing to do") {
        CHECK(reclaimUnassignedRecords({}, AllocationPaths{dir / "devinfo", dir / "absent"}, 120s, now) == 0);
    }
}
