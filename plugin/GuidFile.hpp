#pragma once
// The sriov-network-operator's static GUID file: a JSON list of one entry per PF, the PF named by
// its PCI address or its GUID, with either a list of VF GUIDs or an inclusive range:
//   [{"pci_address": "0000:3b:00.0", "guids": ["02:..:00", "02:..:01"]},
//    {"pf_guid": "98:03:9b:03:00:12:34:56", "rangeStart": "02:..:10", "rangeEnd": "02:..:1f"}]
// Both spellings seen in the wild are read: pci_address / pciAddress, pf_guid / pfGuid, and the
// range as rangeStart + rangeEnd or guidsRange {start, end}. VF n of a PF takes the entry's
// n-th GUID (list position, or range start + n), so the file decides every GUID in advance, as a
// subnet manager with registered GUIDs needs. The first entry for a device wins.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linux/Guid.hpp"

namespace ibvf::plugin {

struct GuidFileEntry {
    std::size_t position = 0;  // in the file's list, for messages
    std::optional<std::string> pciAddress;
    std::optional<linux::Guid> pfGuid;
    std::vector<linux::Guid> guids;                   // the list form
    std::optional<linux::Guid> rangeStart, rangeEnd;  // the range form (inclusive)

    std::string describe() const;  // "entry 2 (pci_address 0000:3b:00.0)"
};

class GuidFile {
public:
    // Throws cni::Error(InvalidNetworkConfig) naming the file and the entry for anything wrong:
    // not a JSON list, an entry with both or neither of PCI address and PF GUID, list and range
    // together, half a range, a malformed or unusable GUID, a range that ends before it starts,
    // a GUID that two entries (or one list twice) would hand out.
    static GuidFile parse(std::string_view text, const std::string& path);
    // Reads and parses `path`; a missing or unreadable file is cni::Error(InvalidNetworkConfig).
    static GuidFile read(const std::filesystem::path& path);

    // VF `vfIndex`'s GUID from the first entry naming the PF by `pfPciAddress` or `pfGuid`;
    // cni::Error(InvalidNetworkConfig) when no entry names the PF or its entry has too few GUIDs.
    linux::Guid guidFor(const std::string& pfPciAddress, const std::optional<linux::Guid>& pfGuid, unsigned vfIndex) const;

    const std::vector<GuidFileEntry>& entries() const { return entries_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::vector<GuidFileEntry> entries_;
};

}  // namespace ibvf::plugin
