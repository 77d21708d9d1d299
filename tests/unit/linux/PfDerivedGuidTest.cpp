// PF-derived VF GUIDs: injective over every manufactured PF GUID and VF index, never equal to a
// manufactured GUID, and refused for PF GUIDs outside the hardware assumption.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "linux/PfDerivedGuid.hpp"

using ibvf::linux::deriveVfGuid;
using ibvf::linux::Guid;
using ibvf::linux::pfGuidUnfit;

namespace {

// Real vendor OUIs of HCAs plus the extremes of the OUI space with the LA bit clear.
constexpr std::array<std::uint64_t, 8> kOuis = {0x0002c9, 0x98039b, 0xb8599f, 0x0c42a1, 0xe41d2d, 0x000000, 0xfdffff, 0x010203};

Guid manufactured(std::uint64_t oui, std::uint64_t low) { return Guid((oui << 40) | (std::uint64_t{0x0300} << 24) | low); }

std::string unfitReason(std::uint64_t v) { return pfGuidUnfit(Guid(v)).value_or("(fits)"); }

}  // namespace

TEST_CASE("a derived VF GUID keeps the PF's OUI with the local bit, the VF index, and the PF's low bytes") {
    const auto pf = *Guid::parse("98:03:9b:03:00:12:34:56");
    CHECK(deriveVfGuid(pf, 0).str() == "9a:03:9b:00:00:12:34:56");
    CHECK(deriveVfGuid(pf, 5).str() == "9a:03:9b:00:05:12:34:56");
    CHECK(deriveVfGuid(pf, 0x1234).str() == "9a:03:9b:12:34:12:34:56");
    // Deterministic: nothing but its inputs decides it.
    CHECK(deriveVfGuid(pf, 7) == deriveVfGuid(pf, 7));
}

TEST_CASE("derivation is injective: distinct (PF GUID, VF index) pairs give distinct GUIDs, none manufactured") {
    std::unordered_set<std::uint64_t> seen;
    std::unordered_set<std::uint64_t> pfs;
    std::size_t pairs = 0;
    for (const auto oui : kOuis) {
        for (std::uint64_t low = 0; low < 256; ++low) {
            // Low bytes that differ in each of the three bytes.
            const std::uint64_t spread = low | (low << 9 & 0xff00) | (low << 17 & 0xff0000);
            const Guid pf = manufactured(oui, spread);
            if (!pf.valid()) continue;
            pfs.insert(pf.value());
            for (unsigned vf = 0; vf < 64; ++vf) {
                const Guid g = deriveVfGuid(pf, vf);
                ++pairs;
                seen.insert(g.value());
                CHECK_MESSAGE((g.bytes()[0] & 0x02) != 0, g.str());
                REQUIRE(g.valid());
            }
            seen.insert(deriveVfGuid(pf, 0xffff).value());
            ++pairs;
        }
    }
    CHECK(seen.size() == pairs);
    for (const auto pf : pfs) CHECK(seen.count(pf) == 0);
}

TEST_CASE("derivation is injective over the whole input space: the result gives back the PF GUID and the VF index") {
    // The left inverse, over every OUI byte pattern of kOuis and a sweep of low bytes and VF
    // indexes: a map with a left inverse cannot send two inputs to one output.
    for (const auto oui : kOuis) {
        for (std::uint64_t low = 0; low <= 0xffffff; low += 0x1011) {
            const Guid pf = manufactured(oui, low);
            if (!pf.valid()) continue;
            for (unsigned vf : {0u, 1u, 2u, 127u, 128u, 255u, 256u, 1023u, 0x8000u, 0xffffu}) {
                const std::uint64_t g = deriveVfGuid(pf, vf).value();
                const std::uint64_t backOui = (g >> 40) & ~std::uint64_t{0x020000};
                const unsigned backVf = static_cast<unsigned>((g >> 24) & 0xffff);
                const Guid backPf = manufactured(backOui, g & 0xffffff);
                if (backPf != pf || backVf != vf) {
                    FAIL_CHECK(pf.str() << " VF " << vf << " -> " << Guid(g).str());
                    return;
                }
            }
        }
    }
}

TEST_CASE("PF GUIDs outside the hardware assumption are refused, never folded onto someone else's") {
    CHECK(unfitReason(0x0002c90300001111ULL) == "(fits)");
    CHECK(unfitReason(0x0202c90300001111ULL) ==
          "PF GUID 02:02:c9:03:00:00:11:11 is locally administered (0x02 set in its first byte), not a manufactured one");
    CHECK(unfitReason(0x0002c9fffe001111ULL) == "PF GUID 00:02:c9:ff:fe:00:11:11 does not have the manufactured layout OUI:03:00:xx:xx:xx");
    CHECK(unfitReason(0x0002c90301001111ULL) == "PF GUID 00:02:c9:03:01:00:11:11 does not have the manufactured layout OUI:03:00:xx:xx:xx");
    CHECK(unfitReason(0) == "PF GUID 00:00:00:00:00:00:00:00 is unassigned (all zeros or ones)");
    CHECK(unfitReason(~std::uint64_t{0}) == "PF GUID ff:ff:ff:ff:ff:ff:ff:ff is unassigned (all zeros or ones)");
    CHECK_THROWS_AS(deriveVfGuid(Guid(0x0202c90300001111ULL), 0), std::invalid_argument);
    CHECK_THROWS_WITH_AS(deriveVfGuid(Guid(0x0002c90300001111ULL), 0x10000), "VF index 65536 does not fit 16 bits", std::invalid_argument);
}
