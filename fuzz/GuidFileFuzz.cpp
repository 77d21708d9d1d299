// The sriov-network-operator's GUID file (guidSource "file"), read from the node: every file is
// accepted or refused with a cni::Error, and what is accepted hands out only usable GUIDs from
// the entry that names the PF. Lines after the first `\n---\n`: a PF PCI address, a PF GUID and a
// VF index to look up.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzInput.hpp"
#include "cni/Error.hpp"
#include "linux/PfDerivedGuid.hpp"
#include "plugin/GuidFile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const std::string_view text = fuzz::asText(data, size);
    const auto split = text.find("\n---\n");
    const std::string_view file = text.substr(0, split);
    fuzz::rejectOnly<cni::Error>([&] {
        const auto parsed = plugin::GuidFile::parse(file, "fuzz");
        for (const auto& e : parsed.entries()) {
            if (e.pciAddress.has_value() == e.pfGuid.has_value()) fuzz::finding(e.describe() + " names its PF wrongly");
            if (e.guids.empty() == !e.rangeStart.has_value()) fuzz::finding(e.describe() + " has no GUIDs or two kinds");
        }
        if (split == std::string_view::npos) return;
        const auto query = fuzz::lines(text.substr(split + 5));
        if (query.size() < 3) return;
        unsigned vf = 0;
        if (std::from_chars(query[2].data(), query[2].data() + query[2].size(), vf).ec != std::errc()) return;
        const auto pfGuid = linux::Guid::parseAnyForm(query[1]);
        fuzz::rejectOnly<cni::Error>([&] {
            const auto g = parsed.guidFor(std::string(query[0]), pfGuid, vf);
            if (!g.valid()) fuzz::finding("the file handed out " + g.str());
        });
        // A PF GUID from the query seeds a derived GUID, which must never be manufactured-looking.
        if (pfGuid && !linux::pfGuidUnfit(*pfGuid) && vf <= 0xffff) {
            if ((linux::deriveVfGuid(*pfGuid, vf).bytes()[0] & 0x02) == 0) fuzz::finding("derived GUID without the local bit");
        }
    });
    return 0;
}
