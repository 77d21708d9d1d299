#pragma once
// InfiniBand GUIDs (8 bytes, "00:11:22:33:44:55:66:77") and deterministic GUID pools.
// Pure: no kernel calls.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ibvf::linux {

class Guid {
public:
    constexpr Guid() = default;
    // The big-endian reading of the text: "00:11:22:33:44:55:66:77" is 0x0011223344556677, which
    // is what struct ifla_vf_guid carries (in host order).
    constexpr explicit Guid(std::uint64_t value) : value_(value) {}

    // Exactly eight ':'-separated pairs of hex digits, either case. nullopt otherwise.
    static std::optional<Guid> parse(std::string_view text);
    // sysfs's spelling (node_guid, either half of a GID): four ':'-separated groups of four hex
    // digits, "9803:9b03:0012:3456". nullopt otherwise.
    static std::optional<Guid> parseSysfs(std::string_view text);
    // parse(), parseSysfs() or ibstat's "0x98039b0300123456". nullopt otherwise.
    static std::optional<Guid> parseAnyForm(std::string_view text);
    // Bytes 12..19 of a 20-byte IPoIB hardware address (4 bytes QPN + 16 bytes GID, whose lower
    // half is the port GUID). nullopt for any other length.
    static std::optional<Guid> fromIpoibHwaddr(std::span<const std::uint8_t> hwaddr);

    constexpr std::uint64_t value() const { return value_; }
    std::array<std::uint8_t, 8> bytes() const;  // most significant first
    std::string str() const;                    // lower case, "00:11:..:77"
    // All zeros (unassigned) and all ones (the broadcast/"any" pattern) are never usable.
    constexpr bool valid() const { return value_ != 0 && value_ != ~std::uint64_t{0}; }

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=> (fixed in 15)
    friend constexpr auto operator<=>(const Guid&, const Guid&) = default;

private:
    std::uint64_t value_ = 0;
};

// An inclusive range of GUIDs, "first-last".
struct GuidRange {
    Guid first, last;  // first <= last, both usable
    // Throws std::invalid_argument saying what is wrong with the text.
    static GuidRange parse(std::string_view text);
    std::string str() const { return first.str() + "-" + last.str(); }
    bool contains(Guid g) const { return first <= g && g <= last; }
};

// A configured source of GUIDs, derived per VF so the same VF gets the same GUID after any
// restart and two VFs of one node never share one, without any state on disk.
//
// Spec forms:
//   prefix  "02:00:00:00:00"                      1..7 bytes; the rest is the VF's slot
//   range   "02:00:00:00:00:00:10:00-02:00:00:00:00:00:1f:ff"   inclusive, first <= last
//
// The slot of a VF is an integer packed from its PF's PCI address ("dddd:bb:dd.f") and its VF
// index, most significant field first:
//   domain (16 bits) | bus (8) | device<<3|function (8) | VF index (16 bits, or 8 when the pool
//   has fewer than 48 bits of room)
// A pool has room for `bits` bits: 8 * (8 - prefix length) for a prefix, floor(log2(size)) for
// a range. The slot must fit: the unused high fields must be zero, so e.g. a 5-byte prefix
// (24 bits: bus | devfn | VF) works for any PF in PCI domain 0 with VFs 0..255. Because the
// packing is injective, distinct (PF, VF) pairs of one node always get distinct GUIDs; when a
// pair does not fit, guidFor() throws instead of folding it onto someone else's GUID.
// A prefix GUID is prefix bytes followed by the slot; a range GUID is first + slot.
class GuidPool {
public:
    // Throws std::invalid_argument naming the spec and what is wrong with it.
    static GuidPool parse(std::string_view spec);

    // Throws std::invalid_argument when the PCI address is malformed, the slot does not fit
    // (the message says which field and suggests a shorter prefix or a larger range), or the
    // result would be an invalid GUID (all zeros / all ones).
    Guid guidFor(std::string_view pfPciAddress, unsigned vfIndex) const;

    const std::string& spec() const { return spec_; }
    unsigned bits() const { return bits_; }

private:
    std::string spec_;
    std::uint64_t base_ = 0;  // prefix bytes shifted into place, or the range's first GUID
    unsigned bits_ = 0;       // slots are below 2^bits_
};

}  // namespace ibvf::linux
