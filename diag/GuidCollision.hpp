#pragma once
// check-config: GUID sources that repeat across nodes. A NetworkAttachmentDefinition is
// cluster-wide and an InfiniBand subnet spans the nodes, so a source that gives the same GUID
// on two nodes gives the subnet duplicate port GUIDs, which the subnet manager cannot route.
#include <optional>
#include <string>

#include "cni/NetConf.hpp"
#include "plugin/PluginConfig.hpp"

namespace ibvf::diag {

struct GuidRisk {
    std::string field;  // "guidPool" or "guid"
    std::string message;
    std::string explanation;  // which source to use instead
};

// The risk of a config that PluginConfig accepted; nullopt when its GUIDs hold across nodes.
std::optional<GuidRisk> crossNodeGuidRisk(const cni::NetConf& conf, const plugin::PluginConfig& cfg);

}  // namespace ibvf::diag
