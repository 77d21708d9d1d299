// Which allocation records go: kubelet's list of assigned IDs, the grace period, record times.
#include <doctest/doctest.h>

#include <fstream>

#include "deviceplugin/RecordReclaim.hpp"
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
    return R"({"pciAddress":")" + bdf + R"(","resource":"rdma/vhca","time":")" + ibvf::dp::recordTimeText(t) + "\"}\n";
}

}  // namespace

TEST_CASE("recordTime reads the record's RFC 3339 time") {
    const auto t = recordTime(R"({"pciAddress":"x","time":"2024-03-01T12:30:05Z"})");
    REQUIRE(t);
    CHECK(Clock::to_time_t(*t) == 1709296205);
    CHECK_FALSE(recordTime(R"({"pciAddress":"x"})"));
    CHECK_FALSE(recordTime(R"({"time":"yesterday"})"));
    CHECK_FALSE(recordTime(R"({"time":"2024-03-01T12:30:05Z trailing"})"));
    CHECK_FALSE(recordTime(R"({"time":12})"));
    CHECK_FALSE(recordTime("not json"));
    // Beyond what system_clock holds (fuzz finding: the conversion overflowed).
    CHECK_FALSE(recordTime(R"({"time":"3361-11-24T17:00:00Z"})"));
    CHECK_FALSE(recordTime(R"({"time":"1500-01-01T00:00:00Z"})"));
    CHECK(recordTime(R"({"time":"2200-01-01T00:00:00Z"})"));
    // What Allocate writes reads back to the same second.
    const auto now = Clock::from_time_t(Clock::to_time_t(Clock::now()));
    CHECK(recordTime(R"({"time":")" + recordTimeText(now) + "\"}") == std::optional<Clock::time_point>(now));
}

TEST_CASE("reclaimUnassignedRecords: listed stay, unlisted old go, young stay whatever kubelet says") {
    ibvf::test::ScratchDir dir;
    const AllocationPaths paths{dir / "devinfo", dir / "allocations"};
    const auto now = Clock::now();
    writeRecord(paths.allocationsDir, kVfA, recordAt(kVfA, now - 1h));    // listed, old
    writeRecord(paths.allocationsDir, kVfB, recordAt(kVfB, now - 1h));    // unlisted, old
    writeRecord(paths.allocationsDir, kVfC, recordAt(kVfC, now - 30s));   // unlisted, within grace
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
