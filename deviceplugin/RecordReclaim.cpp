#include "deviceplugin/RecordReclaim.hpp"

#include <ctime>
#include <filesystem>
#include <mutex>

#include <rapidjson/document.h>

#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::dp {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

constexpr std::string_view kRecordSuffix = ".json";

// "<id>.json" -> "<id>"; empty for names that are not records (temp files, anything else).
std::string recordId(const fs::path& file) {
    const std::string name = file.filename().string();
    if (kernel::isAtomicTempFileName(name) || name.size() <= kRecordSuffix.size() ||
        name.compare(name.size() - kRecordSuffix.size(), kRecordSuffix.size(), kRecordSuffix) != 0)
        return {};
    return name.substr(0, name.size() - kRecordSuffix.size());
}

std::vector<fs::path> recordFiles(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (!recordId(it->path()).empty()) files.push_back(it->path());
    return files;
}

// The time the record states; its mtime when it states none (same moment: written atomically).
std::optional<Clock::time_point> allocatedAt(const fs::path& file) {
    const auto content = kernel::readFile(file);
    if (!content) return std::nullopt;  // removed meanwhile
    if (auto t = recordTime(*content)) return t;
    std::error_code ec;
    const auto mtime = fs::last_write_time(file, ec);
    if (ec) return std::nullopt;
    return std::chrono::time_point_cast<Clock::duration>(fs::file_time_type::clock::to_sys(mtime));
}

}  // namespace

std::optional<Clock::time_point> recordTime(const std::string& recordJson) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(recordJson.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("time") || !doc["time"].IsString()) return std::nullopt;
    std::tm tm{};
    const char* end = ::strptime(doc["time"].GetString(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    // A damaged record may state any year; system_clock counts nanoseconds in 64 bits (about
    // 1678 to 2262), and converting a time outside that overflows (fuzz finding).
    const std::time_t seconds = ::timegm(&tm);
    constexpr auto kLimit = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count();
    if (seconds == static_cast<std::time_t>(-1) || seconds >= kLimit || seconds <= -kLimit) return std::nullopt;
    return Clock::from_time_t(seconds);
}

std::size_t reclaimVanishedRecords(const std::vector<Pool>& pools, const AllocationPaths& paths) {
    std::set<std::string> live;
    for (const auto& p : pools)
        for (const auto& d : p.devices)
            if (d.present && !d.pciAddress.empty()) live.insert(d.pciAddress);
    std::lock_guard lock(allocationRecordsMutex());
    std::size_t removed = 0;
    for (const auto& file : recordFiles(paths.allocationsDir))
        if (!live.count(recordId(file)) && kernel::removeFile(file)) ++removed;
    return removed;
}

std::size_t reclaimUnassignedRecords(const std::set<std::string>& assignedIds, const AllocationPaths& paths,
                                     std::chrono::seconds grace, Clock::time_point now) {
    // Held across read and remove: an Allocate rewriting a record in between would otherwise
    // lose its fresh record to a decision made on the old one.
    std::lock_guard lock(allocationRecordsMutex());
    std::size_t removed = 0;
    for (const auto& file : recordFiles(paths.allocationsDir)) {
        if (assignedIds.count(recordId(file))) continue;
        const auto at = allocatedAt(file);
        if (!at || *at > now - grace) continue;
        if (kernel::removeFile(file)) ++removed;
    }
    return removed;
}

}  // namespace ibvf::dp
