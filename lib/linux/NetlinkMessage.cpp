#include "linux/NetlinkMessage.hpp"

#include <linux/netlink.h>

#include <algorithm>
#include <cstring>

namespace ibvf::linux {

namespace {

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

NlMessageBuilder::NlMessageBuilder(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    bytes_.reserve(256);  // every request here fits; also keeps GCC 12 from bogus bounds warnings
    bytes_.resize(sizeof h);
    std::memcpy(bytes_.data(), &h, sizeof h);
}

NlMessageBuilder& NlMessageBuilder::raw(const void* data, std::size_t len) {
    // resize + memcpy rather than insert: GCC 12 reports a bogus -Wstringop-overflow for an
    // insert into a still-empty vector.
    const std::size_t at = bytes_.size();
    bytes_.resize(align4(at + len), 0);
    if (len) std::memcpy(bytes_.data() + at, data, len);
    return *this;
}

NlMessageBuilder& NlMessageBuilder::put(std::uint16_t type, const void* data, std::size_t len) {
    nlattr a{};
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    raw(&a, sizeof a);
    if (len) raw(data, len);
    return *this;
}

NlMessageBuilder& NlMessageBuilder::putString(std::uint16_t type, std::string_view s) {
    std::vector<char> z(s.begin(), s.end());
    z.push_back('\0');
    return put(type, z.data(), z.size());
}

std::size_t NlMessageBuilder::beginNested(std::uint16_t type) {
    const std::size_t offset = bytes_.size();
    // The kernel does not require NLA_F_NESTED on these (old) attribute families, and iproute2
    // does not send it: keep the type plain so requests match what the kernel has always seen.
    put(type, nullptr, 0);
    return offset;
}

NlMessageBuilder& NlMessageBuilder::endNested(std::size_t offset) {
    const auto len = static_cast<std::uint16_t>(bytes_.size() - offset);
    std::memcpy(bytes_.data() + offset, &len, sizeof len);
    return *this;
}

std::vector<std::uint8_t> NlMessageBuilder::finish() const {
    std::vector<std::uint8_t> out = bytes_;
    const auto len = static_cast<std::uint32_t>(out.size());
    std::memcpy(out.data(), &len, sizeof len);
    return out;
}

// ---------------------------------------------------------------------------------------------

std::vector<NlAttr> nlAttrs(std::span<const std::uint8_t> area) {
    std::vector<NlAttr> out;
    std::size_t off = 0;
    while (off + NLA_HDRLEN <= area.size()) {
        const auto a = nlReadAt<nlattr>(area, off);
        if (a.nla_len < NLA_HDRLEN || off + a.nla_len > area.size()) break;
        out.push_back({static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK), area.subspan(off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN)});
        off += align4(a.nla_len);
    }
    return out;
}

std::vector<NlAttr> nlMessageAttrs(std::span<const std::uint8_t> message, std::size_t familyHeaderLen) {
    const std::size_t start = NLMSG_HDRLEN + align4(familyHeaderLen);
    if (message.size() < NLMSG_HDRLEN) return {};
    const auto h = nlReadAt<nlmsghdr>(message, 0);
    const std::size_t end = std::min<std::size_t>(h.nlmsg_len, message.size());
    if (end <= start) return {};
    return nlAttrs(message.subspan(start, end - start));
}

const NlAttr* findNlAttr(const std::vector<NlAttr>& attrs, std::uint16_t type) {
    for (const auto& a : attrs)
        if (a.type == type) return &a;
    return nullptr;
}

std::string nlAttrString(const NlAttr& a) {
    const auto* p = reinterpret_cast<const char*>(a.payload.data());
    return std::string(p, ::strnlen(p, a.payload.size()));
}

}  // namespace ibvf::linux
