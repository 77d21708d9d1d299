#include "cni/Version.hpp"

#include <array>
#include <cstddef>

namespace ibvf::cni {
namespace {

// Indexed by Version; constexpr so start-up runs no initialiser for it.
constexpr std::array<std::string_view, 5> kVersionStrings = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
static_assert(static_cast<std::size_t>(kLatestVersion) + 1 == kVersionStrings.size());

}  // namespace

std::optional<Version> parseVersion(std::string_view text) {
    for (std::size_t i = 0; i < kVersionStrings.size(); ++i) {
        if (kVersionStrings[i] == text) return static_cast<Version>(i);
    }
    return std::nullopt;
}

std::string_view toString(Version v) { return kVersionStrings.at(static_cast<std::size_t>(v)); }

std::span<const std::string_view> supportedVersionStrings() { return kVersionStrings; }

}  // namespace ibvf::cni
