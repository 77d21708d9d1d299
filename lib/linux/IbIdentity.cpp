#include "linux/IbIdentity.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>

#include "linux/KernelError.hpp"

namespace ibvf::linux {
namespace {

namespace fs = std::filesystem;

// A device name is one path component.
bool validDeviceName(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

// Unreadable (no such port, an unused pkey slot failing) is left out, like an unparsable value.
std::optional<std::string> readAttribute(const fs::path& path) {
    std::string text;
    if (readSysfsAttribute(path, text) != 0) return std::nullopt;
    return std::string(trimmedAttribute(text));
}

fs::path portDir(const Sysfs& sysfs, std::string_view rdmaDevice) {
    return sysfs.root() / "class/infiniband" / std::string(rdmaDevice) / "ports/1";
}

}  // namespace

std::optional<Guid> parseSysfsGuid(std::string_view text) { return Guid::parseSysfs(trimmedAttribute(text)); }

std::optional<Guid> portGuidOfGid(std::string_view gid) {
    gid = trimmedAttribute(gid);
    constexpr std::size_t kGidText = 39;  // 8 groups of 4 digits and 7 colons
    if (gid.size() != kGidText || !Guid::parseSysfs(gid.substr(0, 19))) return std::nullopt;
    return parseSysfsGuid(gid.substr(20));
}

std::optional<std::uint16_t> parseSysfsPkey(std::string_view text) {
    text = trimmedAttribute(text);
    if (text.size() < 3 || text.size() > 6 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return std::nullopt;
    std::uint16_t v = 0;
    const auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), v, 16);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

IbIdentity readIbIdentity(const Sysfs& sysfs, std::string_view rdmaDevice) {
    IbIdentity id;
    if (!validDeviceName(rdmaDevice)) return id;
    try {
        // The reader `ibvf` takes a PF's node GUID from, so both see the same value.
        if (auto text = sysfs.rdmaNodeGuid(rdmaDevice)) id.nodeGuid = parseSysfsGuid(*text);
    } catch (const KernelError&) {
        // unreadable: left out, as documented
    }
    const auto port = portDir(sysfs, rdmaDevice);
    if (auto text = readAttribute(port / "gids/0")) id.portGuid = portGuidOfGid(*text);
    if (auto text = readAttribute(port / "pkeys/0")) id.pkey0 = parseSysfsPkey(*text);
    return id;
}

std::vector<std::uint16_t> readPkeyTable(const Sysfs& sysfs, std::string_view rdmaDevice) {
    if (!validDeviceName(rdmaDevice)) return {};
    std::map<unsigned, std::uint16_t> byIndex;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(portDir(sysfs, rdmaDevice) / "pkeys", ec)) {
        const auto name = entry.path().filename().string();
        unsigned index = 0;
        const auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), index);
        if (err != std::errc() || end != name.data() + name.size()) continue;
        // An unused entry reads as 0x0000 (or fails): the table is sparse.
        if (auto text = readAttribute(entry.path())) {
            if (auto pkey = parseSysfsPkey(*text); pkey && (*pkey & 0x7fffU) != 0) byIndex[index] = *pkey;
        }
    }
    std::vector<std::uint16_t> table;
    table.reserve(byIndex.size());
    for (const auto& [index, pkey] : byIndex) table.push_back(pkey);
    return table;
}

}  // namespace ibvf::linux
