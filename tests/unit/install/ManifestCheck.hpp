#pragma once
// Checks Kubernetes manifests for what the API server would refuse or a node would trip over:
// apiVersion/kind/metadata.name, DaemonSet selectors that match their template, containers with a
// name and an image, volumeMounts that name a declared volume, absolute hostPath paths, ConfigMap
// volumes that name a ConfigMap (and keys) defined alongside, device plugin configs that
// ibvf-device-plugin's own parser accepts, and NetworkAttachmentDefinition configs that are CNI
// JSON. Read with yaml-cpp (a test-only dependency), so anything valid YAML is understood.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace ibvf::test {

struct Manifest {
    std::string source;  // the file and document index, e.g. "install/kubernetes/<file>.yaml#1", for messages
    YAML::Node doc;
};

// Every non-empty document of a multi-document YAML text. Throws YAML::Exception on bad YAML.
std::vector<Manifest> loadManifests(const std::string& text, const std::string& source);

// Problems, each "<source>: <path>: <what>"; empty when every manifest passes. ConfigMap
// references are resolved among `manifests` themselves.
std::vector<std::string> checkManifests(const std::vector<Manifest>& manifests);

}  // namespace ibvf::test
