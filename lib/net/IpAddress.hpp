#pragma once
// IPv4/IPv6 addresses and prefixes as plain values. Shared by the CNI result types, the kernel
// layer and the IPAM allocator, so it depends on nothing but the standard library.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ibvf::net {

enum class Family : std::uint8_t { V4 = 4, V6 = 6 };

class IpAddress {
public:
    IpAddress() = default;  // 0.0.0.0
    static IpAddress v4(std::uint32_t hostOrder);
    static IpAddress fromBytes(Family family, const std::uint8_t* bytes);  // 4 or 16 network-order bytes
    // Accepts dotted quad or RFC 4291/5952 text; nullopt on anything else (no zone ids).
    static std::optional<IpAddress> parse(std::string_view text);

    Family family() const { return family_; }
    bool isV4() const { return family_ == Family::V4; }
    unsigned bitLength() const { return isV4() ? 32U : 128U; }
    // Network-order bytes; only the first 4 are meaningful for IPv4.
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
    std::string toString() const;  // canonical text (RFC 5952 for IPv6)

    // Arithmetic inside the family's space; wraps modulo 2^bits.
    IpAddress plus(std::uint64_t n) const;
    IpAddress minus(std::uint64_t n) const;
    IpAddress next() const { return plus(1); }
    IpAddress prev() const { return minus(1); }
    // b - a as an unsigned distance, saturating at UINT64_MAX (IPv6 spans can exceed 64 bits).
    static std::uint64_t distance(const IpAddress& a, const IpAddress& b);

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b);

private:
    Family family_ = Family::V4;
    std::array<std::uint8_t, 16> bytes_{};
};

// An address with a prefix length. `address` keeps host bits (10.1.2.3/24 is an interface
// address); network() clears them.
struct IpPrefix {
    IpAddress address;
    unsigned length = 0;

    static std::optional<IpPrefix> parse(std::string_view text);  // "a/len"; len within family bits
    Family family() const { return address.family(); }
    IpAddress network() const;
    IpAddress lastAddress() const;  // all host bits set (IPv4 broadcast)
    bool contains(const IpAddress& a) const;
    bool contains(const IpPrefix& p) const;  // p is wholly inside this prefix
    std::string toString() const;            // "address/length"

    friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

}  // namespace ibvf::net
