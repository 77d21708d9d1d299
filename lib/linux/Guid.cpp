#include "linux/Guid.hpp"

#include <bit>
#include <stdexcept>

namespace ibvf::linux {

namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "xx:xx:..." with 1..8 byte pairs; nullopt on anything else.
std::optional<std::pair<std::uint64_t, unsigned>> parseBytes(std::string_view text) {
    if (text.size() < 2 || (text.size() + 1) % 3 != 0) return std::nullopt;
    const std::size_t count = (text.size() + 1) / 3;
    if (count > 8) return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t at = i * 3;
        if (i > 0 && text[at - 1] != ':') return std::nullopt;
        const int hi = hexDigit(text[at]);
        const int lo = hexDigit(text[at + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        v = (v << 8) | static_cast<std::uint64_t>(hi * 16 + lo);
    }
    return std::pair{v, static_cast<unsigned>(count)};
}

std::optional<std::uint32_t> parseHexField(std::string_view s, std::size_t minDigits, std::size_t maxDigits) {
    if (s.size() < minDigits || s.size() > maxDigits) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : s) {
        const int d = hexDigit(c);
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<std::uint32_t>(d);
    }
    return v;
}

struct PciAddress {
    std::uint32_t domain, bus, device, function;
};

// "dddd:bb:dd.f" as sysfs spells it (domains wider than 4 digits exist behind VMD).
std::optional<PciAddress> parsePci(std::string_view text) {
    const auto c2 = text.rfind(':');
    const auto dot = text.rfind('.');
    if (c2 == std::string_view::npos || dot == std::string_view::npos || dot < c2) return std::nullopt;
    const auto c1 = text.rfind(':', c2 == 0 ? 0 : c2 - 1);
    if (c1 == std::string_view::npos || c1 >= c2) return std::nullopt;
    const auto domain = parseHexField(text.substr(0, c1), 4, 8);
    const auto bus = parseHexField(text.substr(c1 + 1, c2 - c1 - 1), 2, 2);
    const auto device = parseHexField(text.substr(c2 + 1, dot - c2 - 1), 2, 2);
    const auto function = parseHexField(text.substr(dot + 1), 1, 1);
    if (!domain || !bus || !device || !function || *device > 0x1f || *function > 7) return std::nullopt;
    return PciAddress{*domain, *bus, *device, *function};
}

unsigned bitWidth(std::uint64_t v) { return static_cast<unsigned>(std::bit_width(v)); }

}  // namespace

std::optional<Guid> Guid::parse(std::string_view text) {
    if (text.size() != 23) return std::nullopt;
    const auto parsed = parseBytes(text);
    if (!parsed) return std::nullopt;
    return Guid(parsed->first);
}

std::optional<Guid> Guid::parseSysfs(std::string_view text) {
    if (text.size() != 19 || text[4] != ':' || text[9] != ':' || text[14] != ':') return std::nullopt;
    std::uint64_t v = 0;
    for (const std::size_t at : {0, 5, 10, 15}) {
        const auto group = parseHexField(text.substr(at, 4), 4, 4);
        if (!group) return std::nullopt;
        v = (v << 16U) | *group;
    }
    return Guid(v);
}

std::optional<Guid> Guid::parseAnyForm(std::string_view text) {
    if (auto colon = parse(text)) return colon;
    if (auto sysfs = parseSysfs(text)) return sysfs;
    if (text.size() != 18 || !(text.starts_with("0x") || text.starts_with("0X"))) return std::nullopt;  // ibstat
    const std::string_view digits = text.substr(2);
    const auto high = parseHexField(digits.substr(0, 8), 8, 8);
    const auto low = parseHexField(digits.substr(8), 8, 8);
    if (!high || !low) return std::nullopt;
    return Guid((std::uint64_t{*high} << 32) | *low);
}

std::optional<Guid> Guid::fromIpoibHwaddr(std::span<const std::uint8_t> hwaddr) {
    if (hwaddr.size() != 20) return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 12; i < 20; ++i) v = (v << 8) | hwaddr[i];
    return Guid(v);
}

std::array<std::uint8_t, 8> Guid::bytes() const {
    std::array<std::uint8_t, 8> out{};
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(value_ >> (8 * (7 - i)));
    return out;
}

std::string Guid::str() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(23);
    for (const std::uint8_t b : bytes()) {
        if (!out.empty()) out += ':';
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
    return out;
}

GuidRange GuidRange::parse(std::string_view text) {
    const auto dash = text.find('-');
    const auto first = Guid::parse(text.substr(0, dash));
    const auto last = dash == std::string_view::npos ? std::nullopt : Guid::parse(text.substr(dash + 1));
    if (!first || !last) throw std::invalid_argument("a GUID range is two GUIDs (xx:xx:xx:xx:xx:xx:xx:xx) joined by '-'");
    if (!first->valid() || !last->valid()) throw std::invalid_argument("all zeros and all ones are not usable GUIDs");
    if (*last < *first) throw std::invalid_argument("the range ends before it starts");
    return GuidRange{*first, *last};
}

// ---------------------------------------------------------------------------------------------

GuidPool GuidPool::parse(std::string_view spec) {
    const auto bad = [&](const std::string& why) { return std::invalid_argument("GUID pool \"" + std::string(spec) + "\": " + why); };
    GuidPool pool;
    pool.spec_ = std::string(spec);
    if (const auto dash = spec.find('-'); dash != std::string_view::npos) {
        const auto first = Guid::parse(spec.substr(0, dash));
        const auto last = Guid::parse(spec.substr(dash + 1));
        if (!first || !last) throw bad("a range is two full GUIDs (xx:xx:xx:xx:xx:xx:xx:xx) joined by '-'");
        if (*last < *first) throw bad("the range ends before it starts");
        pool.base_ = first->value();
        const std::uint64_t span = last->value() - first->value();  // size - 1
        // Slots are packed bit fields, so only the largest power of two within the range is usable.
        pool.bits_ = span == ~std::uint64_t{0} ? 64 : bitWidth(span + 1) - 1;
        return pool;
    }
    const auto prefix = parseBytes(spec);
    if (!prefix) throw bad("a prefix is 1 to 7 bytes in xx:xx form, a range is first-last");
    const auto [value, count] = *prefix;
    if (count == 8) throw bad("a prefix must leave room for the VF: give at most 7 bytes (or a range)");
    pool.bits_ = 8 * (8 - count);
    pool.base_ = value << pool.bits_;
    return pool;
}

Guid GuidPool::guidFor(std::string_view pfPciAddress, unsigned vfIndex) const {
    const auto pci = parsePci(pfPciAddress);
    const std::string who = "PF " + std::string(pfPciAddress) + " VF " + std::to_string(vfIndex);
    if (!pci) throw std::invalid_argument("GUID pool \"" + spec_ + "\": " + who + ": not a PCI address (dddd:bb:dd.f)");
    if (pci->domain > 0xffff)
        throw std::invalid_argument("GUID pool \"" + spec_ + "\": " + who + ": PCI domains above ffff are not encoded in pool GUIDs");

    const unsigned vfBits = bits_ >= 48 ? 16 : 8;
    if (vfIndex >= (1u << vfBits))
        throw std::invalid_argument("GUID pool \"" + spec_ + "\": " + who + ": the pool leaves " + std::to_string(vfBits) +
                                    " bits for the VF index (use a shorter prefix for 16)");
    const std::uint64_t pf = (std::uint64_t{pci->domain} << 16) | (std::uint64_t{pci->bus} << 8) | (pci->device << 3) | pci->function;
    const std::uint64_t slot = (pf << vfBits) | vfIndex;
    if (bits_ < 64 && (slot >> bits_) != 0) {
        const unsigned need = bitWidth(slot);
        throw std::invalid_argument("GUID pool \"" + spec_ + "\" has room for " + std::to_string(bits_) + " bits per VF but " + who +
                                    " needs " + std::to_string(need) +
                                    " (PCI domain, bus, device.function and VF index): use a prefix of at most " +
                                    std::to_string(8 - (need + 7) / 8) + " bytes or a larger range");
    }
    const Guid guid(base_ + slot);
    if (!guid.valid())
        throw std::invalid_argument("GUID pool \"" + spec_ + "\": " + who + " maps to " + guid.str() + ", which is not a usable GUID");
    return guid;
}

}  // namespace ibvf::linux
