#include "linux/RdmaPortCounters.hpp"

#include <charconv>
#include <system_error>

#include "linux/RdmaPortCounterCache.hpp"

namespace ibvf::linux {

namespace {

template <class Int>
std::optional<Int> parseDecimal(std::string_view text) {
    Int v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::pair<unsigned, std::string>> parsePortStateText(std::string_view text) {
    text = trimmedAttribute(text);
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto code = parseDecimal<unsigned>(text.substr(0, colon));
    if (!code) return std::nullopt;
    return std::make_pair(*code, std::string(trimmedAttribute(text.substr(colon + 1))));
}

ReadResult<std::vector<RdmaPortCounters>> readRdmaPortCounters(const Sysfs& sysfs, std::string_view rdmaDevice) {
    return RdmaPortCounterCache(sysfs).read(rdmaDevice);
}

}  // namespace ibvf::linux
