// ibvf-diag and the device plugin's CDI specs: the spec of each pool is shown, a missing spec
// and a device the spec does not name are warnings.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "DiagLab.hpp"
#include "support/BinaryRunner.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

std::string cdiName(std::string bdf) {
    std::replace(bdf.begin(), bdf.end(), ':', '-');
    return bdf;
}

std::vector<std::string> kindsBut(const rapidjson::Document& report, const std::string& ignored) {
    auto kinds = problemKinds(report);
    kinds.erase(std::remove(kinds.begin(), kinds.end(), ignored), kinds.end());
    return kinds;
}

}  // namespace

TEST_CASE("diag: the pool's CDI spec missing, naming one VF of two, then both") {
    DiagLab d(2);
    ScratchDir cdiDir;
    const auto config = d.kubeletDir().parent_path() / "device-plugin-cdi.json";
    std::ofstream(config) << R"({"mode":"sriov","pfNetdevices":[")" + d.lab.pfNetdev() + R"("],"cdi":"devices"})";
    ListeningSocket plugin(d.kubeletDir() / "ibvf-rdma-vhca.sock");
    auto env = d.env();
    env["IBVF_CDI_DIR"] = cdiDir.path().string();
    const auto run = [&] {
        auto r = BinaryRunner("ibvf-diag").run({"--json", "--device-plugin-config", config.string()}, env);
        REQUIRE_MESSAGE(r.json, r.summary());
        return r;
    };
    const auto spec = cdiDir.path() / "rdma.ibvf-vhca.json";

    auto r = run();
    CHECK(kindsBut(*r.json, "rdma-netns-shared") == std::vector<std::string>{"cdi-spec-missing"});
    const auto& res = (*r.json)["devicePlugin"]["resources"][0];
    CHECK(std::string(res["cdiSpec"].GetString()) == spec.string());
    CHECK(std::string(res["cdiSpecState"].GetString()) == "missing");

    std::ofstream(spec) << R"({"cdiVersion":"0.5.0","kind":"rdma.ibvf/vhca","devices":[{"name":")" + cdiName(vfPci(0)) +
                               R"(","containerEdits":{"deviceNodes":[{"path":"/dev/infiniband/rdma_cm"}]}}]})";
    r = run();
    CHECK(kindsBut(*r.json, "rdma-netns-shared") == std::vector<std::string>{"cdi-device-without-spec"});
    const auto& unnamed = (*r.json)["devicePlugin"]["resources"][0]["cdiUnnamed"];
    REQUIRE(unnamed.Size() == 1);
    CHECK(std::string(unnamed[0].GetString()) == cdiName(vfPci(1)));

    std::ofstream(spec) << R"({"cdiVersion":"0.5.0","kind":"rdma.ibvf/vhca","devices":[{"name":")" + cdiName(vfPci(0)) + R"("},{"name":")" +
                               cdiName(vfPci(1)) + R"("}]})";
    r = run();
    CHECK(kindsBut(*r.json, "rdma-netns-shared").empty());
    CHECK(std::string((*r.json)["devicePlugin"]["resources"][0]["cdiSpecState"].GetString()) == "current");
}
