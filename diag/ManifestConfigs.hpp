#pragma once
// The JSON held in Kubernetes manifests, found without a YAML library: a NetworkAttachmentDefinition's
// spec.config and a ConfigMap's data entries, written as a literal block ("config: |") or as a
// one-line quoted or plain scalar, in block-style YAML (the subset netconf-examples/ uses).
// Documents are split on "---" lines. Flow-style YAML ({...} mappings) is not read.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::diag {

struct EmbeddedConfig {
    std::string where;  // "NetworkAttachmentDefinition ib-net, spec.config"
    std::string json;
};

struct ManifestScan {
    std::vector<EmbeddedConfig> configs;
    std::vector<std::string> skipped;  // "Pod rdma-app: holds no network or device plugin config"
};

// nullopt when the text is not a manifest (no top-level "kind:" in any document).
std::optional<ManifestScan> configsInManifest(std::string_view text);

}  // namespace ibvf::diag
