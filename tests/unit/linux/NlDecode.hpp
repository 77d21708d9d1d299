#pragma once
// An independent decoder for the exact-bytes tests of hand-built netlink requests: walks the
// nlmsghdr and nlattrs by hand (not with the code under test) and fails the test on any length
// that does not add up.
#include <doctest/doctest.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ibvf::test::nl {

struct Attr {
    std::uint16_t type = 0;  // raw nla_type, flags included
    std::vector<std::uint8_t> payload;

    template <class T>
    T as() const {
        REQUIRE(payload.size() == sizeof(T));
        T v;
        std::memcpy(&v, payload.data(), sizeof v);
        return v;
    }
    std::string str() const { return std::string(payload.begin(), payload.end()); }  // NUL kept
};

// Every attribute of `area`; the area must be consumed exactly (attributes 4-byte aligned, the
// last one's padding included).
inline std::vector<Attr> attrs(const std::uint8_t* p, std::size_t len) {
    std::vector<Attr> out;
    std::size_t off = 0;
    while (off < len) {
        REQUIRE(off + 4 <= len);
        std::uint16_t alen;
        std::uint16_t type;
        std::memcpy(&alen, p + off, 2);
        std::memcpy(&type, p + off + 2, 2);
        REQUIRE(alen >= 4);
        REQUIRE(off + alen <= len);
        out.push_back({type, std::vector<std::uint8_t>(p + off + 4, p + off + alen)});
        const std::size_t padded = (alen + 3u) & ~3u;
        for (std::size_t i = off + alen; i < off + padded; ++i) {
            REQUIRE(i < len);
            CHECK(p[i] == 0);
        }
        off += padded;
    }
    CHECK(off == len);
    return out;
}

inline std::vector<Attr> nested(const Attr& a) { return attrs(a.payload.data(), a.payload.size()); }

struct Message {
    nlmsghdr header{};
    std::vector<std::uint8_t> family;  // the fixed family header (ifinfomsg, ...), may be empty
    std::vector<Attr> attrs;
};

// `familyLen` bytes of family header follow the nlmsghdr.
inline Message decode(const std::vector<std::uint8_t>& bytes, std::size_t familyLen) {
    Message m;
    REQUIRE(bytes.size() >= sizeof(nlmsghdr) + familyLen);
    std::memcpy(&m.header, bytes.data(), sizeof m.header);
    CHECK(m.header.nlmsg_len == bytes.size());
    CHECK(m.header.nlmsg_seq == 0u);
    CHECK(m.header.nlmsg_pid == 0u);
    m.family.assign(bytes.begin() + sizeof(nlmsghdr), bytes.begin() + static_cast<long>(sizeof(nlmsghdr) + familyLen));
    const std::size_t start = sizeof(nlmsghdr) + ((familyLen + 3) & ~std::size_t{3});
    m.attrs = attrs(bytes.data() + start, bytes.size() - start);
    return m;
}

template <class T>
T familyAs(const Message& m) {
    REQUIRE(m.family.size() == sizeof(T));
    T v;
    std::memcpy(&v, m.family.data(), sizeof v);
    return v;
}

inline std::vector<std::uint16_t> typesOf(const std::vector<Attr>& as) {
    std::vector<std::uint16_t> out;
    for (const auto& a : as) out.push_back(a.type);
    return out;
}

}  // namespace ibvf::test::nl
