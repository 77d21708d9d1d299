#pragma once
// check-config: tells what a config file is and runs the parsers the binaries run on it
// (cni::parseNetConf, plugin::PluginConfig, ipam::parseIpamConfig, dp::parseConfig), turning each
// rejection into the field it is about and an explanation. Accepts a netconf (type ibvf, or any
// type with "ipam": {"type": "ibvf-ipam"}), a conflist, a device plugin config, and the JSON held
// in NetworkAttachmentDefinition / ConfigMap YAML (see ManifestConfigs.hpp for the YAML it reads).
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::diag {

struct ConfigFinding {
    std::string section;  // where in the file: "", "plugins[1]", "spec.config", ...
    std::string checker;  // "json", "netconf", "ibvf", "ibvf-ipam", "device-plugin", "conflist", "manifest"
    bool ok = true;
    std::string field;        // error only: the field path, e.g. "plugins[0].ipam.ranges[0][0].subnet"; "" = the document
    std::string message;      // error: what the parser said; ok: what was checked
    std::string explanation;  // error only: why / how to fix it
};

struct ConfigCheck {
    std::string kind;         // "netconf", "conflist", "device-plugin", "manifest", "unknown"
    std::string description;  // e.g. "CNI network configuration list \"ib-net\" (2 plugins)"
    std::vector<ConfigFinding> findings;
    std::size_t errors() const;
};

// `text` is the file's content. Never throws for bad content: every problem is a finding.
ConfigCheck checkConfigText(std::string_view text);

// The field a parser's message is about, or "" when it names none: parsers start their messages
// with the field ("ipam.ranges[0] must be an array", "mtu 70000 is out of range",
// "resources[1].name: ..."); a few phrase it otherwise ("unsupported cniVersion ...").
std::string fieldOfMessage(std::string_view message);

}  // namespace ibvf::diag
