#pragma once
// <run dir>/allocations/<pci>.json (node::allocationRecordIn): ibvf-device-plugin's record that
// kubelet gave a VF to a container, {"pciAddress":...,"resource":...,"time":...}. Written on
// Allocate and removed by the device plugin's reclaim; `ibvf` keeps a recorded VF out of its own
// pfNetdevice picks, and ibvf-diag shows the records.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::node {

struct AllocationRecord {
    std::string pciAddress;
    std::string resource;  // "<prefix>/<name>"
    std::string time;      // recordTimeText of the Allocate
};

// A record's "time": RFC 3339, UTC, whole seconds ("2024-03-01T12:30:05Z").
std::string recordTimeText(std::chrono::system_clock::time_point t);
// The time `text` states in that form; nullopt for anything else, or a time system_clock cannot hold.
std::optional<std::chrono::system_clock::time_point> parseRecordTime(std::string_view text);

std::string allocationRecordJson(const AllocationRecord& record);
// Every field required; throws std::runtime_error saying what is wrong.
AllocationRecord parseAllocationRecord(std::string_view json);
// Only the record's "time", nullopt when absent or malformed: enough to decide whether a damaged
// record is old.
std::optional<std::chrono::system_clock::time_point> recordTime(std::string_view json);

struct AllocationRecordFile {
    std::string pciAddress;  // the file name without ".json"
    std::filesystem::path path;
};
// The records in `dir` (absent: none), sorted, without the temp files of a writer.
std::vector<AllocationRecordFile> allocationRecordFiles(const std::filesystem::path& dir);

}  // namespace ibvf::node
