// The allocation record format (node/AllocationRecord.hpp): what Allocate writes, what `ibvf`,
// the reclaim and ibvf-diag read back, and which files in the directory are records.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/AllocationRecord.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
using Clock = std::chrono::system_clock;

TEST_CASE("allocation records: written and read back; anything else is an error saying what is wrong") {
    const node::AllocationRecord r{"0000:3b:00.2", "rdma/vhca", "2026-01-01T00:00:00Z"};
    const std::string json = node::allocationRecordJson(r);
    CHECK(json == R"({"pciAddress":"0000:3b:00.2","resource":"rdma/vhca","time":"2026-01-01T00:00:00Z"})"
                  "\n");
    const auto a = node::parseAllocationRecord(json);
    CHECK(a.pciAddress == "0000:3b:00.2");
    CHECK(a.resource == "rdma/vhca");
    CHECK(a.time == "2026-01-01T00:00:00Z");
    CHECK_THROWS_WITH(node::parseAllocationRecord(R"({"pciAddress":"x"})"), "\"resource\" is missing or not a string");
    CHECK_THROWS_WITH(node::parseAllocationRecord("[]"), "not a JSON object");
    CHECK_THROWS_WITH(node::parseAllocationRecord("garbage"), doctest::Contains("not JSON"));
}

TEST_CASE("recordTime reads the record's RFC 3339 time") {
    const auto t = node::recordTime(R"({"pciAddress":"x","time":"2024-03-01T12:30:05Z"})");
    REQUIRE(t);
    CHECK(Clock::to_time_t(*t) == 1709296205);
    CHECK_FALSE(node::recordTime(R"({"pciAddress":"x"})"));
    CHECK_FALSE(node::recordTime(R"({"time":"yesterday"})"));
    CHECK_FALSE(node::recordTime(R"({"time":"2024-03-01T12:30:05Z trailing"})"));
    CHECK_FALSE(node::recordTime(R"({"time":12})"));
    CHECK_FALSE(node::recordTime("not json"));
    // Beyond what system_clock holds (fuzz finding: the conversion overflowed).
    CHECK_FALSE(node::recordTime(R"({"time":"3361-11-24T17:00:00Z"})"));
    CHECK_FALSE(node::recordTime(R"({"time":"1500-01-01T00:00:00Z"})"));
    CHECK(node::recordTime(R"({"time":"2200-01-01T00:00:00Z"})"));
    // What Allocate writes reads back to the same second.
    const auto now = Clock::from_time_t(Clock::to_time_t(Clock::now()));
    CHECK(node::recordTime(R"({"time":")" + node::recordTimeText(now) + "\"}") == std::optional<Clock::time_point>(now));
}

TEST_CASE("allocation record files: <pci>.json, sorted, without a writer's temp files") {
    test::ScratchDir dir;
    for (const char* name : {"0000:3b:00.3.json", "0000:3b:00.2.json", "0000:3b:00.4.json.tmp.1.1", "notes.txt", ".json"})
        std::ofstream(dir / name) << "{}";
    std::filesystem::create_directory(dir / "0000:3b:00.5.json");
    const auto files = node::allocationRecordFiles(dir.path());
    REQUIRE(files.size() == 2);
    CHECK(files[0].pciAddress == "0000:3b:00.2");
    CHECK(files[0].path == dir / "0000:3b:00.2.json");
    CHECK(files[1].pciAddress == "0000:3b:00.3");
    CHECK(node::allocationRecordFiles(dir / "absent").empty());
}
