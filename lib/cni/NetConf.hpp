#pragma once
// The common part of a network configuration; plugin-specific fields stay in `doc` for the plugin
// to read with its own typed parser.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "cni/Result.hpp"
#include "cni/Version.hpp"

namespace ibvf::cni {

struct NetConf {
    std::string cniVersion;  // as written
    Version version = kLatestVersion;
    std::string name;
    std::string type;
    std::string rawText;      // the exact stdin bytes (handed to delegated plugins)
    rapidjson::Document doc;  // the whole config
    std::optional<Result> prevResult;

    // Objects, or nullptr when absent. Throw Error(InvalidNetworkConfig) when present but not an object.
    const rapidjson::Value* runtimeConfig() const;
    const rapidjson::Value* args() const;  // top-level "args"
    const rapidjson::Value* ipam() const;
    // "args": {"cni": {...}}
    const rapidjson::Value* argsCni() const;
};

// Throws Error(DecodeFailure) on malformed JSON, Error(IncompatibleVersion) on an unsupported
// cniVersion, Error(InvalidNetworkConfig) when name/type are missing or of the wrong type.
// `requireName` is false for VERSION, which may receive a minimal config.
NetConf parseNetConf(std::string_view text, bool requireName = true);

struct Attachment {
    std::string containerId;
    std::string ifname;
    friend bool operator==(const Attachment&, const Attachment&) = default;
};
// "cni.dev/valid-attachments" (GC, 1.1.0). Throws Error(InvalidNetworkConfig) on a malformed list.
std::vector<Attachment> validAttachments(const NetConf& conf);

}  // namespace ibvf::cni
