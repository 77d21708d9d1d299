#include "deviceplugin/RecordReclaim.hpp"

#include <filesystem>
#include <mutex>
#include <optional>

#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"
#include "node/AllocationRecord.hpp"

namespace ibvf::dp {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

// The time the record states; its mtime when it states none (same moment: written atomically).
std::optional<Clock::time_point> allocatedAt(const fs::path& file) {
    const auto content = linux::readFile(file);
    if (!content) return std::nullopt;  // removed meanwhile
    if (auto t = node::recordTime(*content)) return t;
    std::error_code ec;
    const auto mtime = fs::last_write_time(file, ec);
    if (ec) return std::nullopt;
    return std::chrono::time_point_cast<Clock::duration>(fs::file_time_type::clock::to_sys(mtime));
}

}  // namespace

std::size_t reclaimVanishedRecords(const std::vector<Pool>& pools, const AllocationPaths& paths) {
    std::set<std::string> live;
    for (const auto& p : pools)
        for (const auto& d : p.devices)
            if (d.present && !d.pciAddress.empty()) live.insert(d.pciAddress);
    std::lock_guard lock(allocationRecordsMutex());
    std::size_t removed = 0;
    for (const auto& record : node::allocationRecordFiles(paths.allocationsDir))
        if (!live.count(record.pciAddress) && linux::removeFile(record.path)) ++removed;
    return removed;
}

std::size_t reclaimUnassignedRecords(const std::set<std::string>& assignedIds, const AllocationPaths& paths, std::chrono::seconds grace,
                                     Clock::time_point now) {
    // Held across read and remove: an Allocate rewriting a record in between would otherwise
    // lose its fresh record to a decision made on the old one.
    std::lock_guard lock(allocationRecordsMutex());
    std::size_t removed = 0;
    for (const auto& record : node::allocationRecordFiles(paths.allocationsDir)) {
        if (assignedIds.count(record.pciAddress)) continue;
        const auto at = allocatedAt(record.path);
        if (!at || *at > now - grace) continue;
        if (linux::removeFile(record.path)) ++removed;
    }
    return removed;
}

}  // namespace ibvf::dp
