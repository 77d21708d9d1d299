// ibvf-diag check-config through the binary: every example passes, broken configs are explained.
#include <doctest/doctest.h>

#include <fstream>

#include "support/BinaryRunner.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf::test;

TEST_CASE("check-config: every example under netconf-examples/cni, nad and device-plugin passes in one run") {
    std::vector<std::string> args{"check-config"};
    for (const char* sub : {"cni", "nad", "device-plugin"})
        for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(IBVF_SOURCE_DIR) / "netconf-examples" / sub))
            args.push_back(e.path().string());
    const auto r = BinaryRunner("ibvf-diag").run(args, {});
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(r.out.find("\nOK\n") != std::string::npos);
    CHECK(r.out.find("  error  ") == std::string::npos);
}

TEST_CASE("check-config: broken configs exit 1, each error with its field and explanation") {
    ScratchDir dir;
    std::ofstream(dir / "nad.yaml") << R"(apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: ib-net
spec:
  config: |
    {"cniVersion": "1.0.0", "name": "ib-net", "plugins": [
      {"type": "ibvf", "link_state": "on", "ipam": {"type": "ibvf-ipam", "ranges": [[{"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.200", "rangeEnd": "10.0.0.100"}]]}}
    ]}
)";
    std::ofstream(dir / "dp.json") << R"({"resources":[{"name":"vhca","selectors":{"pfName":["ib0"]}}]})";
    const auto r = BinaryRunner("ibvf-diag").run({"check-config", (dir / "nad.yaml").string(), (dir / "dp.json").string()}, {});
    INFO(r.summary());
    CHECK(r.exitCode == 1);
    CHECK(r.out.find("error  NetworkAttachmentDefinition ib-net, spec.config plugins[0]: link_state 'on' is not a VF link state\n"
                     "         use \"auto\", \"enable\" or \"disable\"") != std::string::npos);
    CHECK(r.out.find("ipam.ranges[0][0]") != std::string::npos);
    CHECK(r.out.find("error  resources[0].selectors.pfName: unknown field") != std::string::npos);
    CHECK(r.out.find("3 errors") != std::string::npos);

    const auto json = BinaryRunner("ibvf-diag").run({"check-config", "--json", (dir / "dp.json").string()}, {});
    REQUIRE(json.json);
    CHECK((*json.json)["errors"].GetUint() == 1);
    CHECK(std::string((*json.json)["files"][0]["findings"][0]["field"].GetString()) == "resources[0].selectors.pfName");
}
