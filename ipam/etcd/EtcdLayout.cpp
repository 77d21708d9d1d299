#include "ipam/etcd/EtcdLayout.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ibvf::ipam {
namespace {

constexpr std::string_view kHex = "0123456789abcdef";

std::string familyDir(const net::IpAddress& a) { return a.isV4() ? "/ipv4/" : "/ipv6/"; }

bool parseFixedNumber(std::string_view s, int base, unsigned max, unsigned& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && end == s.data() + s.size() && out <= max;
}

}  // namespace

std::string sortableAddress(const net::IpAddress& a) {
    const auto& b = a.bytes();
    std::string s;
    if (a.isV4()) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%03u.%03u.%03u.%03u", b[0], b[1], b[2], b[3]);
        return buf;
    }
    s.reserve(39);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i > 0 && i % 2 == 0) s += ':';
        s += kHex[b[i] >> 4];
        s += kHex[b[i] & 0xf];
    }
    return s;
}

std::optional<net::IpAddress> parseSortableAddress(std::string_view text) {
    std::uint8_t bytes[16];
    if (text.size() == 15) {
        for (std::size_t i = 0; i < 4; ++i) {
            if (i < 3 && text[i * 4 + 3] != '.') return std::nullopt;
            unsigned v = 0;
            const std::string_view part = text.substr(i * 4, 3);
            if (!std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
            if (!parseFixedNumber(part, 10, 255, v)) return std::nullopt;
            bytes[i] = static_cast<std::uint8_t>(v);
        }
        return net::IpAddress::fromBytes(net::Family::V4, bytes);
    }
    if (text.size() == 39) {
        for (std::size_t g = 0; g < 8; ++g) {
            if (g < 7 && text[g * 5 + 4] != ':') return std::nullopt;
            const std::string_view part = text.substr(g * 5, 4);
            if (!std::all_of(part.begin(), part.end(), [](char c) { return kHex.find(c) != std::string_view::npos; })) {
                return std::nullopt;
            }
            unsigned v = 0;
            if (!parseFixedNumber(part, 16, 0xffff, v)) return std::nullopt;
            bytes[g * 2] = static_cast<std::uint8_t>(v >> 8);
            bytes[g * 2 + 1] = static_cast<std::uint8_t>(v & 0xff);
        }
        return net::IpAddress::fromBytes(net::Family::V6, bytes);
    }
    return std::nullopt;
}

EtcdLayout::EtcdLayout(std::string prefix, std::string network, std::string node)
    : base_(std::move(prefix) + "/" + std::move(network)), node_(std::move(node)) {}

std::string EtcdLayout::leaseKey(const net::IpAddress& a) const { return base_ + familyDir(a) + sortableAddress(a); }

std::string EtcdLayout::leaseRangeEnd(const net::IpAddress& to) const { return leaseKey(to) + '\0'; }

std::optional<net::IpAddress> EtcdLayout::addressOfLeaseKey(std::string_view key) const {
    if (key.substr(0, base_.size()) != base_) return std::nullopt;
    key.remove_prefix(base_.size());
    const bool v4 = key.substr(0, 6) == "/ipv4/";
    if (!v4 && key.substr(0, 6) != "/ipv6/") return std::nullopt;
    const auto a = parseSortableAddress(key.substr(6));
    if (!a || a->isV4() != v4) return std::nullopt;
    return a;
}

std::string EtcdLayout::attachmentPrefix(const AttachmentKey& who) const { return nodePrefix() + who.containerId + "/" + who.ifname + "/"; }

std::string EtcdLayout::indexKey(const AttachmentKey& who, const net::IpAddress& a) const {
    return attachmentPrefix(who) + sortableAddress(a);
}

std::optional<EtcdLayout::IndexEntry> EtcdLayout::parseIndexKey(std::string_view key) const {
    const std::string prefix = nodePrefix();
    if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
    key.remove_prefix(prefix.size());
    const auto s1 = key.find('/');
    if (s1 == std::string_view::npos) return std::nullopt;
    const auto s2 = key.find('/', s1 + 1);
    if (s2 == std::string_view::npos) return std::nullopt;
    const auto a = parseSortableAddress(key.substr(s2 + 1));
    if (!a || s1 == 0 || s2 == s1 + 1) return std::nullopt;
    return IndexEntry{{std::string(key.substr(0, s1)), std::string(key.substr(s1 + 1, s2 - s1 - 1))}, *a};
}

std::string EtcdLayout::leaseValue(const AttachmentKey& who, const net::IpAddress& a, std::int64_t takenAt) const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    // For people reading etcd; the key is what counts.
    const std::string text = a.toString();
    w.Key("address");
    w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    w.Key("node");
    w.String(node_.c_str(), static_cast<rapidjson::SizeType>(node_.size()));
    w.Key("containerID");
    w.String(who.containerId.c_str(), static_cast<rapidjson::SizeType>(who.containerId.size()));
    w.Key("ifname");
    w.String(who.ifname.c_str(), static_cast<rapidjson::SizeType>(who.ifname.size()));
    w.Key("takenAt");
    w.Int64(takenAt);
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

std::optional<LeaseOwner> EtcdLayout::parseLeaseValue(std::string_view value) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(value.data(), value.size());
    if (d.HasParseError() || !d.IsObject()) return std::nullopt;
    const auto str = [&](const char* k) -> std::optional<std::string> {
        const auto it = d.FindMember(k);
        if (it == d.MemberEnd() || !it->value.IsString()) return std::nullopt;
        return std::string(it->value.GetString(), it->value.GetStringLength());
    };
    const auto node = str("node");
    const auto cid = str("containerID");
    const auto ifname = str("ifname");
    if (!node || !cid || !ifname) return std::nullopt;
    LeaseOwner o{*node, {*cid, *ifname}, 0};
    if (const auto it = d.FindMember("takenAt"); it != d.MemberEnd() && it->value.IsInt64()) o.takenAt = it->value.GetInt64();
    return o;
}

}  // namespace ibvf::ipam
