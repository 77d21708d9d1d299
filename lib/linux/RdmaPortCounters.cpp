#include "linux/RdmaPortCounters.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
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

std::string_view internCounterName(std::string_view name) {
    static std::mutex mutex;
    static std::set<std::string, std::less<>> names;  // never freed: views of it are handed out
    const std::lock_guard lock(mutex);
    auto it = names.find(name);
    if (it == names.end()) it = names.emplace(name).first;
    return *it;
}

CounterList::CounterList(std::initializer_list<std::pair<std::string_view, std::uint64_t>> counters) {
    for (const auto& [name, value] : counters) items_.emplace_back(internCounterName(name), value);
    std::sort(items_.begin(), items_.end());
}

std::optional<std::uint64_t> CounterList::find(std::string_view name) const {
    const auto it =
        std::lower_bound(items_.begin(), items_.end(), name, [](const value_type& c, std::string_view n) { return c.first < n; });
    if (it == items_.end() || it->first != name) return std::nullopt;
    return it->second;
}

std::uint64_t CounterList::at(std::string_view name) const {
    if (const auto v = find(name)) return *v;
    throw std::out_of_range("no counter " + std::string(name));
}

ReadResult<std::vector<RdmaPortCounters>> readRdmaPortCounters(const Sysfs& sysfs, std::string_view rdmaDevice) {
    return RdmaPortCounterCache(sysfs).read(rdmaDevice);
}

}  // namespace ibvf::linux
