#include "node/AllocationRecord.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "linux/AtomicFile.hpp"

namespace ibvf::node {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

constexpr std::string_view kRecordSuffix = ".json";

std::string stringMember(const rapidjson::Value& doc, const char* key) {
    const auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || !it->value.IsString()) throw std::runtime_error(std::string("\"") + key + "\" is missing or not a string");
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

// "<pci>.json" -> "<pci>"; empty for names that are not records (temp files, anything else).
std::string recordId(const std::string& name) {
    if (linux::isAtomicTempFileName(name) || name.size() <= kRecordSuffix.size() ||
        name.compare(name.size() - kRecordSuffix.size(), kRecordSuffix.size(), kRecordSuffix) != 0)
        return {};
    return name.substr(0, name.size() - kRecordSuffix.size());
}

}  // namespace

std::string recordTimeText(Clock::time_point t) {
    const std::time_t tt = Clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<Clock::time_point> parseRecordTime(std::string_view text) {
    const std::string s(text);
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == nullptr || end != s.c_str() + s.size()) return std::nullopt;
    // A damaged record may state any year; system_clock counts nanoseconds in 64 bits (about
    // 1678 to 2262), and converting a time outside that overflows (fuzz finding).
    const std::time_t seconds = ::timegm(&tm);
    constexpr auto kLimit = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count();
    if (seconds == static_cast<std::time_t>(-1) || seconds >= kLimit || seconds <= -kLimit) return std::nullopt;
    return Clock::from_time_t(seconds);
}

std::string allocationRecordJson(const AllocationRecord& record) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("pciAddress");
    w.String(record.pciAddress.c_str(), static_cast<rapidjson::SizeType>(record.pciAddress.size()));
    w.Key("resource");
    w.String(record.resource.c_str(), static_cast<rapidjson::SizeType>(record.resource.size()));
    w.Key("time");
    w.String(record.time.c_str(), static_cast<rapidjson::SizeType>(record.time.size()));
    w.EndObject();
    return std::string(out.GetString(), out.GetSize()) + "\n";
}

AllocationRecord parseAllocationRecord(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError())
        throw std::runtime_error("not JSON (" + std::string(rapidjson::GetParseError_En(doc.GetParseError())) + " at offset " +
                                 std::to_string(doc.GetErrorOffset()) + ")");
    if (!doc.IsObject()) throw std::runtime_error("not a JSON object");
    AllocationRecord r;
    r.pciAddress = stringMember(doc, "pciAddress");
    r.resource = stringMember(doc, "resource");
    r.time = stringMember(doc, "time");
    return r;
}

std::optional<Clock::time_point> recordTime(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("time") || !doc["time"].IsString()) return std::nullopt;
    const auto& time = doc["time"];
    return parseRecordTime(std::string_view(time.GetString(), time.GetStringLength()));
}

std::vector<AllocationRecordFile> allocationRecordFiles(const fs::path& dir) {
    std::vector<AllocationRecordFile> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string pci = recordId(it->path().filename().string());
        if (pci.empty() || !it->is_regular_file(ec)) continue;
        out.push_back({std::move(pci), it->path()});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return out;
}

}  // namespace ibvf::node
