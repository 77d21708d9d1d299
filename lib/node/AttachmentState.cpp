#include "node/AttachmentState.hpp"

#include <stdexcept>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cni/Version.hpp"

namespace ibvf::node {
namespace {

constexpr int kFormat = 1;

std::string str(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsString()) throw std::runtime_error(std::string("state field ") + key);
    return {it->value.GetString(), it->value.GetStringLength()};
}

template <class T>
T num(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsNumber()) throw std::runtime_error(std::string("state field ") + key);
    if constexpr (std::is_same_v<T, std::uint64_t>)
        return it->value.GetUint64();
    else if constexpr (std::is_same_v<T, unsigned>)
        return it->value.GetUint();
    else
        return it->value.GetInt();
}

}  // namespace

std::string AttachmentState::toJson() const {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto kv = [&w](const char* k, const std::string& v) {
        w.Key(k);
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    w.StartObject();
    w.Key("format");
    w.Int(kFormat);
    kv("containerId", containerId);
    kv("ifname", ifname);
    kv("network", network);
    kv("netns", netns);
    w.Key("netnsInode");
    w.Uint64(netnsInode);
    w.Key("netnsCookie");
    w.Uint64(netnsCookie);
    kv("pciAddress", pciAddress);
    kv("pfPciAddress", pfPciAddress);
    w.Key("vfIndex");
    w.Int(vfIndex);
    kv("hostName", hostName);
    w.Key("hostIfindex");
    w.Int(hostIfindex);
    kv("hwaddr", hwaddr);
    w.Key("mtu");
    w.Uint(mtu);
    w.Key("adminUp");
    w.Bool(adminUp);
    kv("ipamType", ipamType);
    kv("driver", driver);
    if (originalNodeGuid) kv("originalNodeGuid", *originalNodeGuid);
    if (originalPortGuid) kv("originalPortGuid", *originalPortGuid);
    if (guid) kv("guid", *guid);
    if (partition) kv("partition", *partition);
    if (vfLinkState) {
        w.Key("vfLinkState");
        w.Uint(*vfLinkState);
    }
    if (rdmaDevice) kv("rdmaDevice", *rdmaDevice);
    if (pkey) {
        kv("pkey", *pkey);
        w.Key("childIfindex");
        w.Int(childIfindex);
        kv("podParentName", podParentName);
    }
    if (vfioPciMode) {
        w.Key("vfioPciMode");
        w.Bool(true);
    }
    kv("phase", phase == AttachPhase::Attached ? "attached" : "attaching");
    if (result) {
        // Stored in the newest shape so nothing is lost; CHECK converts on the way out.
        const std::string r = cni::toJson(*result, cni::kLatestVersion);
        w.Key("result");
        w.RawValue(r.c_str(), r.size(), rapidjson::kObjectType);
    }
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

AttachmentState AttachmentState::fromJson(std::string_view text) {
    rapidjson::Document doc;
    // Iterative: no recursion on the nesting depth of the input (see cni/NetConf.cpp).
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("attachment state is not a JSON object");
    if (num<int>(doc, "format") != kFormat) throw std::runtime_error("attachment state has an unknown format");
    AttachmentState s;
    s.containerId = str(doc, "containerId");
    s.ifname = str(doc, "ifname");
    s.network = str(doc, "network");
    s.netns = str(doc, "netns");
    s.netnsInode = num<std::uint64_t>(doc, "netnsInode");
    // Absent in state written before ibvf recorded it: the inode check then stands alone.
    if (doc.HasMember("netnsCookie")) s.netnsCookie = num<std::uint64_t>(doc, "netnsCookie");
    s.pciAddress = str(doc, "pciAddress");
    s.pfPciAddress = str(doc, "pfPciAddress");
    s.vfIndex = num<int>(doc, "vfIndex");
    s.hostName = str(doc, "hostName");
    s.hostIfindex = num<int>(doc, "hostIfindex");
    s.hwaddr = str(doc, "hwaddr");
    s.mtu = num<unsigned>(doc, "mtu");
    auto up = doc.FindMember("adminUp");
    s.adminUp = up != doc.MemberEnd() && up->value.IsBool() && up->value.GetBool();
    s.ipamType = str(doc, "ipamType");
    if (auto it = doc.FindMember("driver"); it != doc.MemberEnd() && it->value.IsString()) s.driver = it->value.GetString();
    for (auto [key, field] : {std::pair{"originalNodeGuid", &s.originalNodeGuid}, std::pair{"originalPortGuid", &s.originalPortGuid},
                              std::pair{"guid", &s.guid}, std::pair{"partition", &s.partition}}) {
        if (auto it = doc.FindMember(key); it != doc.MemberEnd() && it->value.IsString()) *field = it->value.GetString();
    }
    if (auto it = doc.FindMember("vfLinkState"); it != doc.MemberEnd() && it->value.IsUint()) {
        s.vfLinkState = it->value.GetUint();
    }
    if (auto it = doc.FindMember("rdmaDevice"); it != doc.MemberEnd() && it->value.IsString()) {
        s.rdmaDevice = it->value.GetString();
    }
    if (auto it = doc.FindMember("pkey"); it != doc.MemberEnd() && it->value.IsString()) {
        s.pkey = it->value.GetString();
        s.childIfindex = num<int>(doc, "childIfindex");
        s.podParentName = str(doc, "podParentName");
    }
    if (auto it = doc.FindMember("vfioPciMode"); it != doc.MemberEnd() && it->value.IsBool()) {
        s.vfioPciMode = it->value.GetBool();
    }
    s.phase = str(doc, "phase") == "attached" ? AttachPhase::Attached : AttachPhase::Attaching;
    if (auto it = doc.FindMember("result"); it != doc.MemberEnd()) s.result = cni::parseResult(it->value);
    return s;
}

std::string attachmentKey(const std::string& containerId, const std::string& ifname) { return containerId + ":" + ifname; }

std::optional<AttachmentKey> parseAttachmentKey(std::string_view key) {
    const auto sep = key.find(':');
    if (sep == std::string_view::npos) return std::nullopt;
    return AttachmentKey{std::string(key.substr(0, sep)), std::string(key.substr(sep + 1))};
}

std::optional<AttachmentKey> parseClaim(std::string_view claim) {
    if (claim.empty() || claim.front() != '{') return parseAttachmentKey(claim);
    try {
        auto state = AttachmentState::fromJson(claim);
        return AttachmentKey{std::move(state.containerId), std::move(state.ifname)};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace ibvf::node
