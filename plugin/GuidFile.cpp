#include "plugin/GuidFile.hpp"

#include <algorithm>
#include <cstdlib>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "cni/Error.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"
#include "linux/Sysfs.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

constexpr const char* kFormatHint =
    "each entry names its PF with \"pci_address\" or \"pf_guid\" and gives either \"guids\" (a list) or "
    "\"rangeStart\" and \"rangeEnd\" (inclusive), GUIDs written as xx:xx:xx:xx:xx:xx:xx:xx";

class EntryReader {
public:
    EntryReader(const rapidjson::Value& v, std::size_t position, const std::string& path) : v_(v), path_(path) {
        entry_.position = position;
    }

    GuidFileEntry read() {
        if (!v_.IsObject()) fail("is not a JSON object");
        entry_.pciAddress = text("pci_address", "pciAddress");
        if (entry_.pciAddress && !linux::isValidPciAddress(*entry_.pciAddress)) {
            fail("pci_address '" + *entry_.pciAddress + "' is not a PCI address (dddd:bb:dd.f)");
        }
        if (const auto pf = text("pf_guid", "pfGuid")) entry_.pfGuid = guid(*pf, "pf_guid", false);
        if (entry_.pciAddress && entry_.pfGuid) fail("names its PF twice: give pci_address or pf_guid, not both");
        if (!entry_.pciAddress && !entry_.pfGuid) fail("names no PF: give pci_address or pf_guid");

        std::optional<std::string> start = text("rangeStart", "range_start");
        std::optional<std::string> end = text("rangeEnd", "range_end");
        if (const auto range = v_.FindMember("guidsRange"); range != v_.MemberEnd()) {
            if (!range->value.IsObject()) fail("guidsRange is not an object with start and end");
            if (start || end) fail("gives the range twice (rangeStart/rangeEnd and guidsRange)");
            start = textIn(range->value, "start", "guidsRange.start");
            end = textIn(range->value, "end", "guidsRange.end");
        }
        const auto list = v_.FindMember("guids");
        const bool hasList = list != v_.MemberEnd() && !list->value.IsNull();
        if (hasList && (start || end)) fail("gives both a GUID list and a range: keep one");
        if (start.has_value() != end.has_value()) fail("gives half a range: rangeStart and rangeEnd go together");
        if (hasList) {
            if (!list->value.IsArray()) fail("guids is not a list");
            for (rapidjson::SizeType i = 0; i < list->value.Size(); ++i) {
                const auto& g = list->value[i];
                const std::string where = "guids[" + std::to_string(i) + "]";
                if (!g.IsString()) fail(where + " is not a string");
                entry_.guids.push_back(guid(g.GetString(), where, true));
            }
            if (entry_.guids.empty()) fail("has an empty GUID list");
        } else if (start) {
            entry_.rangeStart = guid(*start, "rangeStart", true);
            entry_.rangeEnd = guid(*end, "rangeEnd", true);
            if (*entry_.rangeEnd < *entry_.rangeStart) {
                fail("range ends (" + entry_.rangeEnd->str() + ") before it starts (" + entry_.rangeStart->str() + ")");
            }
        } else {
            fail("gives no GUIDs: add \"guids\" or \"rangeStart\"/\"rangeEnd\"");
        }
        return entry_;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw Error(ErrorCode::InvalidNetworkConfig, "GUID file " + path_ + ": " + entry_.describe() + " " + why, kFormatHint);
    }

    std::optional<std::string> textIn(const rapidjson::Value& obj, const char* key, const std::string& where) const {
        const auto it = obj.FindMember(key);
        if (it == obj.MemberEnd() || it->value.IsNull()) return std::nullopt;
        if (!it->value.IsString()) fail(where + " is not a string");
        std::string s(it->value.GetString(), it->value.GetStringLength());
        if (s.empty()) return std::nullopt;  // the operator's Go reader treats "" as unset
        return s;
    }

    // Either spelling; both at once is ambiguous.
    std::optional<std::string> text(const char* key, const char* other) const {
        auto a = textIn(v_, key, key);
        auto b = textIn(v_, other, other);
        if (a && b) fail(std::string("gives both ") + key + " and " + other + ": keep one");
        return a ? a : b;
    }

    linux::Guid guid(const std::string& text, const std::string& where, bool forVf) const {
        const auto g = forVf ? linux::Guid::parse(text) : linux::Guid::parseAnyForm(text);
        if (!g) fail(where + " '" + text + "' is not a GUID");
        if (!g->valid()) fail(where + " " + text + " is not a usable GUID (all zeros and all ones are reserved)");
        return *g;
    }

    const rapidjson::Value& v_;
    const std::string& path_;
    GuidFileEntry entry_;
};

struct Span {
    std::uint64_t first, last;
    const GuidFileEntry* entry;
};

// A GUID handed out twice on this node would be a duplicate on the fabric.
void requireDisjoint(const std::vector<GuidFileEntry>& entries, const std::string& path) {
    std::vector<Span> spans;
    for (const auto& e : entries) {
        for (const auto& g : e.guids) spans.push_back({g.value(), g.value(), &e});
        if (e.rangeStart) spans.push_back({e.rangeStart->value(), e.rangeEnd->value(), &e});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < spans.size(); ++i) {
        if (spans[i].first > spans[i - 1].last) continue;
        const auto* a = spans[i - 1].entry;
        const auto* b = spans[i].entry;
        if (a->position > b->position) std::swap(a, b);
        throw Error(ErrorCode::InvalidNetworkConfig,
                    "GUID file " + path + ": " + b->describe() + " repeats GUID " + linux::Guid(spans[i].first).str() +
                        (a == b ? "" : " of " + a->describe()),
                    "every GUID in the file must be unique: two VFs with one GUID cannot both be on the subnet");
    }
}

}  // namespace

std::string GuidFileEntry::describe() const {
    std::string s = "entry " + std::to_string(position);
    if (pciAddress) s += " (pci_address " + *pciAddress + ")";
    if (pfGuid) s += " (pf_guid " + pfGuid->str() + ")";
    return s;
}

GuidFile GuidFile::parse(std::string_view text, const std::string& path) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
        throw Error(ErrorCode::InvalidNetworkConfig, "GUID file " + path + " is not JSON",
                    std::string(rapidjson::GetParseError_En(doc.GetParseError())) + " at offset " + std::to_string(doc.GetErrorOffset()));
    }
    if (!doc.IsArray()) throw Error(ErrorCode::InvalidNetworkConfig, "GUID file " + path + " is not a JSON list", kFormatHint);
    GuidFile file;
    file.path_ = path;
    for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) file.entries_.push_back(EntryReader(doc[i], i, path).read());
    requireDisjoint(file.entries_, path);
    return file;
}

GuidFile GuidFile::read(const std::filesystem::path& path) {
    std::optional<std::string> text;
    try {
        text = linux::readFile(path);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::InvalidNetworkConfig, "cannot read GUID file " + path.string(), e.what());
    }
    if (!text) {
        throw Error(ErrorCode::InvalidNetworkConfig, "guidSource \"file\": GUID file " + path.string() + " does not exist",
                    "write the sriov-network-operator's GUID file on this node: ibvf reads the first of " +
                        std::string(node::kOperatorGuidFiles[0]) + " and " + node::kOperatorGuidFiles[1] + " that exists");
    }
    return parse(*text, path.string());
}

linux::Guid GuidFile::guidFor(const std::string& pfPciAddress, const std::optional<linux::Guid>& pfGuid, unsigned vfIndex) const {
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const GuidFileEntry& e) {
        return (e.pciAddress && *e.pciAddress == pfPciAddress) || (e.pfGuid && pfGuid && *e.pfGuid == *pfGuid);
    });
    const std::string who = "VF " + std::to_string(vfIndex) + " of PF " + pfPciAddress;
    if (it == entries_.end()) {
        throw Error(ErrorCode::InvalidNetworkConfig, "GUID file " + path_ + " has no entry for PF " + pfPciAddress,
                    "add an entry with \"pci_address\": \"" + pfPciAddress + "\"" +
                        (pfGuid ? " or \"pf_guid\": \"" + pfGuid->str() + "\"" : std::string()));
    }
    if (!it->guids.empty()) {
        if (vfIndex < it->guids.size()) return it->guids[vfIndex];
        throw Error(ErrorCode::InvalidNetworkConfig,
                    "GUID file " + path_ + ": " + it->describe() + " has " + std::to_string(it->guids.size()) + " GUID(s), none for " + who,
                    "VF n takes the n-th GUID of its PF's entry: list at least " + std::to_string(vfIndex + 1));
    }
    const std::uint64_t room = it->rangeEnd->value() - it->rangeStart->value();
    if (vfIndex <= room) return linux::Guid(it->rangeStart->value() + vfIndex);
    throw Error(ErrorCode::InvalidNetworkConfig, "GUID file " + path_ + ": the range of " + it->describe() + " has no GUID for " + who,
                "VF n takes rangeStart + n: widen the range to at least " + std::to_string(vfIndex + 1) + " GUIDs");
}

}  // namespace ibvf::plugin
