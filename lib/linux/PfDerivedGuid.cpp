#include "linux/PfDerivedGuid.hpp"

#include <stdexcept>

namespace ibvf::linux {
namespace {

constexpr std::uint64_t kLocalBit = std::uint64_t{0x02} << 56;
constexpr std::uint64_t kMiddleMask = std::uint64_t{0xffff} << 24;  // bytes 3..4
constexpr std::uint64_t kManufacturedMiddle = std::uint64_t{0x0300} << 24;
constexpr std::uint64_t kOuiMask = std::uint64_t{0xffffff} << 40;
constexpr std::uint64_t kLowMask = 0xffffff;

}  // namespace

std::optional<std::string> pfGuidUnfit(Guid pf) {
    const std::uint64_t v = pf.value();
    if (!pf.valid()) return "PF GUID " + pf.str() + " is unassigned (all zeros or ones)";
    if ((v & kLocalBit) != 0) {
        return "PF GUID " + pf.str() + " is locally administered (0x02 set in its first byte), not a manufactured one";
    }
    if ((v & kMiddleMask) != kManufacturedMiddle) {
        return "PF GUID " + pf.str() + " does not have the manufactured layout OUI:03:00:xx:xx:xx";
    }
    return std::nullopt;
}

Guid deriveVfGuid(Guid pf, unsigned vfIndex) {
    if (const auto why = pfGuidUnfit(pf)) throw std::invalid_argument(*why);
    if (vfIndex > 0xffff) throw std::invalid_argument("VF index " + std::to_string(vfIndex) + " does not fit 16 bits");
    const std::uint64_t v = pf.value();
    return Guid((v & kOuiMask) | kLocalBit | (std::uint64_t{vfIndex} << 24) | (v & kLowMask));
}

}  // namespace ibvf::linux
