// GUID text from a netconf ("guid", runtimeConfig.infinibandGUID) or from the state file, and the
// "guidPool" spec. Line 1: a GUID; line 2: a pool spec; line 3: a PF PCI address and line 4 a VF
// index to derive a GUID for.
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "FuzzInput.hpp"
#include "linux/Guid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const auto fields = fuzz::lines(fuzz::asText(data, size));
    if (const auto g = linux::Guid::parse(fields[0])) {
        std::string lower(fields[0]);
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (g->str() != lower) fuzz::finding("\"" + std::string(fields[0]) + "\" parses but prints as " + g->str());
        if (linux::Guid::parse(g->str()) != g) fuzz::finding("GUID does not read back: " + g->str());
    }
    // A netdev's 20-byte hardware address, as netlink reports it.
    (void)linux::Guid::fromIpoibHwaddr(std::span(data, size));
    if (fields.size() < 2) return 0;
    fuzz::rejectOnly<std::invalid_argument>([&] {
        const auto pool = linux::GuidPool::parse(fields[1]);
        if (pool.bits() > 64) fuzz::finding("pool wider than a GUID: " + pool.spec());
        if (fields.size() < 4) return;
        unsigned vf = 0;
        const auto idx = fields[3];
        if (std::from_chars(idx.data(), idx.data() + idx.size(), vf).ec != std::errc()) return;
        const auto g = pool.guidFor(fields[2], vf);
        if (!g.valid()) fuzz::finding("pool " + pool.spec() + " handed out " + g.str());
    });
    return 0;
}
