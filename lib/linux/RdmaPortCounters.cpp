#include "linux/RdmaPortCounters.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <tuple>

#include "linux/IbIdentity.hpp"

namespace ibvf::linux {

namespace {

namespace fs = std::filesystem;

template <class Int>
std::optional<Int> parseDecimal(std::string_view text) {
    Int v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

// Regular files of `dir` by name; empty when the directory is missing (no hw_counters).
std::vector<std::string> filesOf(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code typeEc;
        if (entry.is_regular_file(typeEc)) names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Every numeric file of `dir` into `out`; the rest counted in `unreadable`.
void readCounterDir(const fs::path& dir, std::map<std::string, std::uint64_t>& out, unsigned& unreadable) {
    std::string text;
    for (const auto& name : filesOf(dir)) {
        // hw_counters/lifespan is the driver's cache time in ms, a setting and not a counter.
        if (name == "lifespan") continue;
        if (readSysfsAttribute(dir / name, text) != 0) {
            ++unreadable;  // some drivers refuse counters they do not implement (EINVAL, ENOSYS)
            continue;
        }
        if (const auto v = parseDecimal<std::uint64_t>(trimmedAttribute(text)))
            out.emplace(name, *v);
        else
            ++unreadable;
    }
}

std::optional<std::string> readText(const fs::path& path, unsigned& unreadable) {
    std::string text;
    const int err = readSysfsAttribute(path, text);
    if (err == 0) return std::string(trimmedAttribute(text));
    if (err != ENOENT) ++unreadable;
    return std::nullopt;
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
    if (rdmaDevice.empty() || rdmaDevice == "." || rdmaDevice == ".." || rdmaDevice.find('/') != std::string_view::npos)
        return ReadError{ReadFailure::Failed, EINVAL, "not an RDMA device name: \"" + std::string(rdmaDevice) + "\""};
    const fs::path deviceDir = sysfs.root() / "class/infiniband" / std::string(rdmaDevice);
    std::error_code ec;
    if (!fs::exists(deviceDir, ec))
        return ReadError{ReadFailure::NotVisible, ENOENT,
                         "RDMA device " + std::string(rdmaDevice) + " is not in this namespace's sysfs: " + deviceDir.string()};

    unsigned deviceUnreadable = 0;
    std::optional<Guid> nodeGuid;
    if (const auto text = readText(deviceDir / "node_guid", deviceUnreadable)) nodeGuid = parseSysfsGuid(*text);

    std::vector<unsigned> ports;
    for (const auto& entry : fs::directory_iterator(deviceDir / "ports", ec))
        if (const auto n = parseDecimal<unsigned>(entry.path().filename().string())) ports.push_back(*n);
    std::sort(ports.begin(), ports.end());

    std::vector<RdmaPortCounters> out;
    for (const unsigned port : ports) {
        const fs::path dir = deviceDir / "ports" / std::to_string(port);
        RdmaPortCounters p;
        p.device = std::string(rdmaDevice);
        p.port = port;
        p.source = CounterSource::Sysfs;
        p.nodeGuid = nodeGuid;
        p.unreadable = out.empty() ? deviceUnreadable : 0;
        readCounterDir(dir / "counters", p.counters, p.unreadable);
        readCounterDir(dir / "hw_counters", p.hwCounters, p.unreadable);
        if (const auto text = readText(dir / "state", p.unreadable)) {
            if (auto s = parsePortStateText(*text))
                std::tie(p.state, p.stateName) = std::move(*s);
            else
                ++p.unreadable;
        }
        if (const auto text = readText(dir / "phys_state", p.unreadable)) {
            if (auto s = parsePortStateText(*text))
                std::tie(p.physState, p.physStateName) = std::move(*s);
            else
                ++p.unreadable;
        }
        if (auto text = readText(dir / "link_layer", p.unreadable)) p.linkLayer = std::move(*text);
        if (const auto text = readText(dir / "gids/0", p.unreadable)) p.portGuid = portGuidOfGid(*text);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace ibvf::linux
