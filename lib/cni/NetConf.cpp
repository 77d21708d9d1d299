#include "cni/NetConf.hpp"

#include <rapidjson/error/en.h>

#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "cni/Json.hpp"

namespace ibvf::cni {
namespace {

std::string supportedVersionsText() {
    std::string s = "supported versions: ";
    bool first = true;
    for (const auto v : supportedVersionStrings()) {
        if (!first) s += ", ";
        s.append(v);
        first = false;
    }
    return s;
}

}  // namespace

const rapidjson::Value* NetConf::runtimeConfig() const { return json::optObject(doc, "runtimeConfig"); }
const rapidjson::Value* NetConf::args() const { return json::optObject(doc, "args"); }
const rapidjson::Value* NetConf::ipam() const { return json::optObject(doc, "ipam"); }

const rapidjson::Value* NetConf::argsCni() const {
    const auto* a = args();
    return a ? json::optObject(*a, "cni", "args") : nullptr;
}

NetConf parseNetConf(std::string_view text, bool requireName) {
    NetConf conf;
    conf.rawText.assign(text);
    // Parse from the owned copy: the view may not be NUL-terminated. Iterative, as every parse
    // of outside JSON here: the recursive parser overflows the stack on deep nesting (a config
    // of a million '[' crashed the plugin; found by fuzzing).
    conf.doc.Parse<rapidjson::kParseIterativeFlag>(conf.rawText.data(), conf.rawText.size());
    if (conf.doc.HasParseError()) {
        throw Error(
            ErrorCode::DecodeFailure, "failed to parse the network configuration",
            std::string(rapidjson::GetParseError_En(conf.doc.GetParseError())) + " at offset " + std::to_string(conf.doc.GetErrorOffset()));
    }
    if (!conf.doc.IsObject()) {
        throw Error(ErrorCode::DecodeFailure, "failed to parse the network configuration", "the configuration must be a JSON object");
    }

    auto version = json::optString(conf.doc, "cniVersion");
    if (!version || version->empty()) {
        throw Error(ErrorCode::IncompatibleVersion, "the network configuration has no cniVersion", supportedVersionsText());
    }
    const auto parsed = parseVersion(*version);
    if (!parsed) {
        throw Error(ErrorCode::IncompatibleVersion, "unsupported cniVersion \"" + *version + "\"", supportedVersionsText());
    }
    conf.cniVersion = std::move(*version);
    conf.version = *parsed;

    // Wrong types are an error even when the field is optional (VERSION).
    auto name = json::optString(conf.doc, "name");
    auto type = json::optString(conf.doc, "type");
    if (requireName) {
        if (!name || name->empty()) throw Error(ErrorCode::InvalidNetworkConfig, "name is required");
        if (!type || type->empty()) throw Error(ErrorCode::InvalidNetworkConfig, "type is required");
    }
    // The name becomes a directory under the IPAM data dir; the spec's character set for it
    // also rules out path traversal.
    if (name && !name->empty()) {
        if (auto why = containerIdProblem(*name); !why.empty()) {
            throw Error(ErrorCode::InvalidNetworkConfig, "invalid network name \"" + *name + "\"", "name " + why);
        }
    }
    conf.name = name.value_or("");
    conf.type = type.value_or("");

    if (const auto* prev = json::optObject(conf.doc, "prevResult")) {
        conf.prevResult = parseResult(*prev, "prevResult");
    }
    return conf;
}

std::vector<Attachment> validAttachments(const NetConf& conf) {
    constexpr std::string_view kKey = "cni.dev/valid-attachments";
    const auto* list = json::optArray(conf.doc, kKey);
    // An absent list must not read as "nothing is valid": GC would release every attachment.
    if (!list) {
        throw Error(ErrorCode::InvalidNetworkConfig, "cni.dev/valid-attachments is required",
                    "GC needs the list of attachments that are still valid");
    }
    std::vector<Attachment> out;
    out.reserve(list->Size());
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        const std::string where = std::string(kKey) + "[" + std::to_string(i) + "]";
        const auto& e = (*list)[i];
        if (!e.IsObject()) throw Error(ErrorCode::InvalidNetworkConfig, where + " must be an object");
        Attachment a;
        a.containerId = json::requireString(e, "containerID", where);
        a.ifname = json::requireString(e, "ifname", where);
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace ibvf::cni
