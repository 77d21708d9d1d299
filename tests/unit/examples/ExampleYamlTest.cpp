#include <doctest/doctest.h>

#include "ExampleYaml.hpp"

using ibvf::test::parseYamlSubset;
using ibvf::test::YamlSubsetError;

TEST_CASE("yaml subset: literal blocks keep their lines without the block's indentation") {
    const auto docs = parseYamlSubset("kind: X\nspec:\n  config: |\n    {\n      \"a\": 1\n\n    }\nafter: y\n");
    REQUIRE(docs.size() == 1);
    CHECK(docs[0].find({"kind"}) == "X");
    CHECK(docs[0].find({"spec", "config"}) == "{\n  \"a\": 1\n\n}\n");
    CHECK(docs[0].find({"after"}) == "y");
}

TEST_CASE("yaml subset: quoted scalars, dotted keys, list items and documents") {
    const auto docs = parseYamlSubset(
        "metadata:\n  annotations:\n    k8s.v1.cni.cncf.io/resourceName: \"rdma/vhca\"\n"
        "spec:\n  config: '{\"n\": \"it''s\"}'\n---\n"
        "spec:\n  containers:\n    - name: a\n      resources:\n        limits:\n          rdma/vhca: 1\n    - name: b\n");
    REQUIRE(docs.size() == 2);
    CHECK(docs[0].find({"metadata", "annotations", "k8s.v1.cni.cncf.io/resourceName"}) == "rdma/vhca");
    CHECK(docs[0].find({"spec", "config"}) == "{\"n\": \"it's\"}");
    CHECK(docs[1].find({"spec", "containers", "-", "resources", "limits", "rdma/vhca"}) == "1");
    CHECK(docs[1].childrenOf({"spec", "containers", "-"}).size() == 2);  // both names
}

TEST_CASE("yaml subset: shapes outside the subset are refused, not skipped") {
    CHECK_THROWS_AS(parseYamlSubset("spec:\n  config: >\n    {}\n"), YamlSubsetError);
    CHECK_THROWS_AS(parseYamlSubset("spec: {config: x}\n"), YamlSubsetError);
    CHECK_THROWS_AS(parseYamlSubset("spec:\n  just text\n"), YamlSubsetError);
    CHECK_THROWS_AS(parseYamlSubset("a: 'open\n"), YamlSubsetError);
    CHECK_THROWS_AS(parseYamlSubset("a: \"esc\\n\"\n"), YamlSubsetError);
}
