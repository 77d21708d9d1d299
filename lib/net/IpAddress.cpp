#include "net/IpAddress.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ibvf::net {
namespace {

std::size_t byteCount(Family f) { return f == Family::V4 ? 4U : 16U; }

// Adds (or subtracts) a 64-bit value to the big-endian number held in the first `len` bytes;
// carries/borrows out of the top byte are dropped, which is the modulo-2^bits wrap.
void addTo(std::array<std::uint8_t, 16>& b, std::size_t len, std::uint64_t n, bool subtract) {
    unsigned carry = 0;
    for (std::size_t i = len; i-- > 0;) {
        const unsigned operand = static_cast<unsigned>(n & 0xFFU);
        n >>= 8;
        int v = subtract ? int(b[i]) - int(operand) - int(carry) : int(b[i]) + int(operand) + int(carry);
        if (subtract) {
            carry = v < 0 ? 1U : 0U;
            if (v < 0) v += 256;
        } else {
            carry = v > 0xFF ? 1U : 0U;
            v &= 0xFF;
        }
        b[i] = static_cast<std::uint8_t>(v);
        if (n == 0 && carry == 0) break;
    }
}

// Clears (set=false) or sets (set=true) every bit after the first `length` bits.
std::array<std::uint8_t, 16> hostBits(const IpAddress& a, unsigned length, bool set) {
    std::array<std::uint8_t, 16> b = a.bytes();
    const std::size_t len = byteCount(a.family());
    for (std::size_t i = 0; i < len; ++i) {
        const unsigned firstBit = static_cast<unsigned>(i) * 8U;
        std::uint8_t hostMask = 0;
        if (firstBit >= length) {
            hostMask = 0xFF;
        } else if (firstBit + 8U > length) {
            hostMask = static_cast<std::uint8_t>(0xFFU >> (length - firstBit));
        }
        b[i] = set ? static_cast<std::uint8_t>(b[i] | hostMask) : static_cast<std::uint8_t>(b[i] & ~hostMask);
    }
    return b;
}

// RFC 5952 by hand: glibc's inet_ntop also prints the deprecated IPv4-compatible form
// (::1:2 as ::0.1.0.2), which is not canonical.
std::string formatV6(const std::array<std::uint8_t, 16>& b) {
    std::uint16_t words[8];
    for (std::size_t i = 0; i < 8; ++i) words[i] = static_cast<std::uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);

    // Longest run of zero words (first one on a tie); a lone zero word is not compressed.
    std::size_t bestStart = 8, bestLen = 0;
    for (std::size_t i = 0; i < 8;) {
        if (words[i] != 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < 8 && words[j] == 0) ++j;
        if (j - i > bestLen) {
            bestStart = i;
            bestLen = j - i;
        }
        i = j;
    }
    if (bestLen < 2) bestStart = 8;

    // IPv4-mapped addresses keep the dotted quad (RFC 5952 section 5).
    const bool mapped = words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0 && words[4] == 0 && words[5] == 0xFFFF;
    const std::size_t hexWords = mapped ? 6 : 8;

    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(41);
    for (std::size_t i = 0; i < hexWords; ++i) {
        if (i == bestStart) {
            out += "::";
            i += bestLen - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned nibble = (words[i] >> shift) & 0xFU;
            if (nibble != 0 || started || shift == 0) {
                out += kHex[nibble];
                started = true;
            }
        }
    }
    if (mapped) {
        out += ':';
        for (std::size_t i = 12; i < 16; ++i) {
            out += std::to_string(b[i]);
            if (i != 15) out += '.';
        }
    }
    return out;
}

}  // namespace

IpAddress IpAddress::v4(std::uint32_t hostOrder) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(hostOrder >> 24), static_cast<std::uint8_t>(hostOrder >> 16),
                               static_cast<std::uint8_t>(hostOrder >> 8), static_cast<std::uint8_t>(hostOrder)};
    return fromBytes(Family::V4, b);
}

IpAddress IpAddress::fromBytes(Family family, const std::uint8_t* bytes) {
    IpAddress a;
    a.family_ = family;
    std::memcpy(a.bytes_.data(), bytes, byteCount(family));
    return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; the longest valid form
    // (IPv6 with an embedded dotted quad) is 45 characters.
    char buf[64];
    if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) return std::nullopt;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    std::uint8_t out[16];
    if (text.find(':') != std::string_view::npos) {
        if (inet_pton(AF_INET6, buf, out) != 1) return std::nullopt;
        return fromBytes(Family::V6, out);
    }
    if (inet_pton(AF_INET, buf, out) != 1) return std::nullopt;
    return fromBytes(Family::V4, out);
}

std::string IpAddress::toString() const {
    char buf[INET6_ADDRSTRLEN];
    if (isV4()) {
        const char* r = inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf);
        return r ? std::string(r) : std::string();
    }
    return formatV6(bytes_);
}

IpAddress IpAddress::plus(std::uint64_t n) const {
    IpAddress r = *this;
    addTo(r.bytes_, byteCount(family_), n, false);
    return r;
}

IpAddress IpAddress::minus(std::uint64_t n) const {
    IpAddress r = *this;
    addTo(r.bytes_, byteCount(family_), n, true);
    return r;
}

std::uint64_t IpAddress::distance(const IpAddress& a, const IpAddress& b) {
    // Computes b - a modulo 2^bits by byte-wise subtraction, then saturates if any
    // byte above the low 64 bits is non-zero.
    const std::size_t len = byteCount(b.family_);
    std::array<std::uint8_t, 16> d = b.bytes_;
    unsigned borrow = 0;
    for (std::size_t i = len; i-- > 0;) {
        int v = int(d[i]) - int(a.bytes_[i]) - int(borrow);
        borrow = v < 0 ? 1U : 0U;
        if (v < 0) v += 256;
        d[i] = static_cast<std::uint8_t>(v);
    }
    const std::size_t low = std::min<std::size_t>(len, 8);
    for (std::size_t i = 0; i < len - low; ++i) {
        if (d[i] != 0) return UINT64_MAX;
    }
    std::uint64_t r = 0;
    for (std::size_t i = len - low; i < len; ++i) r = (r << 8) | d[i];
    return r;
}

std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    const std::size_t len = byteCount(a.family_);
    for (std::size_t i = 0; i < len; ++i) {
        if (a.bytes_[i] != b.bytes_[i]) return a.bytes_[i] <=> b.bytes_[i];
    }
    return std::strong_ordering::equal;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = IpAddress::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    const std::string_view lenText = text.substr(slash + 1);
    if (lenText.empty() || lenText.size() > 3) return std::nullopt;
    unsigned len = 0;
    auto [ptr, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
    if (ec != std::errc() || ptr != lenText.data() + lenText.size()) return std::nullopt;
    if (len > addr->bitLength()) return std::nullopt;
    return IpPrefix{*addr, len};
}

IpAddress IpPrefix::network() const { return IpAddress::fromBytes(address.family(), hostBits(address, length, false).data()); }

IpAddress IpPrefix::lastAddress() const { return IpAddress::fromBytes(address.family(), hostBits(address, length, true).data()); }

bool IpPrefix::contains(const IpAddress& a) const {
    if (a.family() != address.family()) return false;
    return IpPrefix{a, length}.network() == network();
}

bool IpPrefix::contains(const IpPrefix& p) const { return p.family() == family() && p.length >= length && contains(p.address); }

std::string IpPrefix::toString() const { return address.toString() + "/" + std::to_string(length); }

}  // namespace ibvf::net
