// The JSON found in NAD and ConfigMap YAML: literal blocks, one-line quoted strings, several
// documents, and everything else left alone.
#include <doctest/doctest.h>

#include "diag/ManifestConfigs.hpp"

using namespace ibvf::diag;

TEST_CASE("a literal block under spec.config, its indentation removed, comments and other keys ignored") {
    const auto scan = configsInManifest(R"(# a comment
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: ib-net
  annotations:
    k8s.v1.cni.cncf.io/resourceName: rdma/vhca
spec:
  config: |
    {
      "a": 1
    }
)");
    REQUIRE(scan);
    REQUIRE(scan->configs.size() == 1);
    CHECK(scan->configs[0].where == "NetworkAttachmentDefinition ib-net, spec.config");
    CHECK(scan->configs[0].json == "{\n  \"a\": 1\n}\n");
    CHECK(scan->skipped.empty());
}

TEST_CASE("one-line single- and double-quoted configs") {
    auto scan = configsInManifest("kind: NetworkAttachmentDefinition\nmetadata:\n  name: n\nspec:\n  config: '{\"x\":\"it''s\"}'\n");
    REQUIRE(scan);
    REQUIRE(scan->configs.size() == 1);
    CHECK(scan->configs[0].json == "{\"x\":\"it's\"}");

    scan = configsInManifest("kind: NetworkAttachmentDefinition\nmetadata:\n  name: n\nspec:\n  config: \"{\\\"x\\\":1}\"\n");
    REQUIRE(scan);
    CHECK(scan->configs.at(0).json == "{\"x\":1}");
}

TEST_CASE("a ConfigMap's JSON entries; several documents; kinds without configs are listed as skipped") {
    const auto scan = configsInManifest(R"(kind: ConfigMap
metadata:
  name: rdma-devices
data:
  config.json: |
    {"mode": "hca"}
  README: plain text
---
kind: Pod
metadata:
  name: p
)");
    REQUIRE(scan);
    REQUIRE(scan->configs.size() == 1);
    CHECK(scan->configs[0].where == "ConfigMap rdma-devices, data.config.json");
    CHECK(scan->configs[0].json == "{\"mode\": \"hca\"}\n");
    REQUIRE(scan->skipped.size() == 1);
    CHECK(scan->skipped[0] == "Pod p: holds no network or device plugin config");
}

TEST_CASE("text without a top-level kind is not a manifest") {
    CHECK_FALSE(configsInManifest("hello: world\n"));
    CHECK_FALSE(configsInManifest(""));
    CHECK_FALSE(configsInManifest("spec:\n  kind: X\n"));
}
