#pragma once
#include <optional>
#include <span>
#include <string_view>

namespace ibvf::cni {

// Ordered: comparisons mean "older than".
enum class Version { V0_3_0, V0_3_1, V0_4_0, V1_0_0, V1_1_0 };

inline constexpr Version kLatestVersion = Version::V1_1_0;

std::optional<Version> parseVersion(std::string_view text);
std::string_view toString(Version v);
std::span<const std::string_view> supportedVersionStrings();

}  // namespace ibvf::cni
