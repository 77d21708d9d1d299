#include <doctest/doctest.h>

#include <string>

#include "deviceplugin/Config.hpp"

using namespace ibvf::dp;

namespace {

std::string errorOf(const std::string& json) {
    try {
        parseConfig(json);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("seed sriov config -> rdma/vhca over the named PFs") {
    const Config c = parseConfig(R"({"mode":"sriov","pfNetdevices":["ib0","ib1#4-7"]})");
    REQUIRE(c.resources.size() == 1);
    const auto& r = c.resources[0];
    CHECK(r.resourceName() == "rdma/vhca");
    CHECK(r.mode == PoolMode::Sriov);
    REQUIRE(r.selectors.pfNames.size() == 2);
    CHECK(r.selectors.pfNames[0].netdev == "ib0");
    CHECK(r.selectors.pfNames[0].takesVf(100));
    CHECK(r.selectors.pfNames[1].netdev == "ib1");
    CHECK_FALSE(r.selectors.pfNames[1].takesVf(3));
    CHECK(r.selectors.pfNames[1].takesVf(4));
    CHECK(r.selectors.pfNames[1].takesVf(7));
    CHECK_FALSE(r.selectors.pfNames[1].takesVf(8));
    CHECK_FALSE(c.enableVfs);
    CHECK_FALSE(c.metricsKeepFilesOpen);
    CHECK(c.metricsReadThreads == 0);  // min(4, CPUs)
}

// Found by fuzzing the netconf parser: the recursive JSON parser overflowed the stack on deep
// nesting; a ConfigMap is as much outside input as a netconf.
TEST_CASE("deeply nested JSON is refused without recursion") {
    const std::size_t depth = 1'000'000;
    const std::string deep = R"({"mode":"hca","x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    CHECK(errorOf(deep).find("x") != std::string::npos);
}

TEST_CASE("seed hca config -> rdma/hca") {
    const Config c = parseConfig(R"({"mode":"hca"})");
    REQUIRE(c.resources.size() == 1);
    CHECK(c.resources[0].resourceName() == "rdma/hca");
    CHECK(c.resources[0].mode == PoolMode::Hca);
}

TEST_CASE("resources list with every selector") {
    const Config c = parseConfig(R"({"enableVfs":true,"metricsKeepFilesOpen":true,"metricsReadThreads":2,"resources":[
        {"name":"fast","prefix":"example.com","mode":"sriov","selectors":{"pfNames":["ib0#3"],"linkTypes":["infiniband","ether"],
         "vendors":["0x15B3"],"devices":["101e"],"drivers":["mlx5_core"]}},
        {"name":"shared","mode":"hca"}]})");
    CHECK(c.enableVfs);
    CHECK(c.metricsKeepFilesOpen);
    CHECK(c.metricsReadThreads == 2);
    REQUIRE(c.resources.size() == 2);
    const auto& s = c.resources[0].selectors;
    CHECK(c.resources[0].resourceName() == "example.com/fast");
    REQUIRE(s.pfNames.size() == 1);
    CHECK(s.pfNames[0].takesVf(3));
    CHECK_FALSE(s.pfNames[0].takesVf(2));
    CHECK_FALSE(s.pfNames[0].takesVf(4));
    CHECK(s.linkTypes == std::vector<int>{32, 1});
    CHECK(s.vendors == std::vector<std::string>{"15b3"});
    CHECK(s.devices == std::vector<std::string>{"101e"});
    CHECK(s.drivers == std::vector<std::string>{"mlx5_core"});
    CHECK(c.resources[1].resourceName() == "rdma/shared");
    CHECK(c.resources[1].mode == PoolMode::Hca);
}

TEST_CASE("bad configs name the field") {
    CHECK(errorOf("[]") == "config must be a JSON object");
    CHECK(errorOf("{") == "config is not valid JSON at offset 1: Missing a name for object member.");
    CHECK(errorOf("{}").find("mode:") == 0);
    CHECK(errorOf(R"({"mode":"sriov"})").find("pfNetdevices:") == 0);
    CHECK(errorOf(R"({"mode":"sriov","pfNetdevices":[]})").find("pfNetdevices:") == 0);
    CHECK(errorOf(R"({"mode":"sriov","pfNetdevices":[1]})").find("pfNetdevices[0]:") == 0);
    CHECK(errorOf(R"({"mode":"sriov","pfNetdevices":["a/b"]})").find("pfNetdevices[0]:") == 0);
    CHECK(errorOf(R"({"mode":"hca","pfNetdevices":["ib0"]})").find("pfNetdevices:") == 0);
    CHECK(errorOf(R"({"mode":"other"})").find("mode: must be") == 0);
    CHECK(errorOf(R"({"mode":"hca","extra":1})").find("extra: unknown field") == 0);
    CHECK(errorOf(R"({"mode":"hca","enableVfs":"yes"})").find("enableVfs:") == 0);
    CHECK(errorOf(R"({"mode":"hca","metricsKeepFilesOpen":1})") == "metricsKeepFilesOpen: must be a boolean");
    for (const char* threads : {"0", "9", "-1", "1.5", "\"2\""})
        CHECK(errorOf(std::string(R"({"mode":"hca","metricsReadThreads":)") + threads + "}") ==
              "metricsReadThreads: must be a whole number from 1 to 8");
    CHECK(errorOf(R"({"resources":{}})").find("resources: must be an array") == 0);
    CHECK(errorOf(R"({"resources":[]})").find("resources:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a"}],"mode":"hca"})").find("mode:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a"},{"name":"a"}]})").find("resources[1].name:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"-a"}]})").find("resources[0].name:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","prefix":"x/y"}]})").find("resources[0].prefix:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","mode":"x"}]})").find("resources[0].mode:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","selectors":[]}]})").find("resources[0].selectors:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","selectors":{"pfNames":["ib0#x"]}}]})").find("resources[0].selectors.pfNames[0]:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","selectors":{"pfNames":["ib0#5-1"]}}]})") ==
          "resources[0].selectors.pfNames[0]: \"ib0#5-1\": VF range is reversed");
    CHECK(
        errorOf(R"({"resources":[{"name":"a","selectors":{"linkTypes":["token-ring"]}}]})").find("resources[0].selectors.linkTypes[0]:") ==
        0);
    CHECK(errorOf(R"({"resources":[{"name":"a","selectors":{"vendors":["15b3x"]}}]})").find("resources[0].selectors.vendors[0]:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","selectors":{"devices":[""]}}]})").find("resources[0].selectors.devices[0]:") == 0);
    CHECK(errorOf(R"({"resources":[{"name":"a","mode":"hca","selectors":{"pfNames":["ib0"]}}]})").find("resources[0].selectors.pfNames:") ==
          0);
}

TEST_CASE("loadConfig names the file") {
    try {
        loadConfig("/nonexistent/ibvf-dp.json");
        FAIL("accepted a missing file");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("/nonexistent/ibvf-dp.json") != std::string::npos);
    }
}

TEST_CASE("PCIDEVICE env name: prefix and name upper-cased, / . - become _") {
    ResourceConfig r;
    r.name = "vhca";
    CHECK(pciDeviceEnvName(r) == "PCIDEVICE_RDMA_VHCA");
    r.prefix = "nvidia.com";
    r.name = "ib-fast";
    CHECK(pciDeviceEnvName(r) == "PCIDEVICE_NVIDIA_COM_IB_FAST");
}

TEST_CASE("pKeys: partitions as sriov-network-device-plugin spells them, membership bit dropped; nonsense names the field") {
    const Config c = parseConfig(R"({"resources":[{"name":"p","selectors":{"pKeys":["0x1","0x8002","0X7FFF","32771"]}}]})");
    CHECK(c.resources[0].selectors.pKeys == std::vector<std::uint16_t>{0x1, 0x2, 0x7fff, 0x3});
    CHECK(parseConfig(R"({"resources":[{"name":"p"}]})").resources[0].selectors.pKeys.empty());
    for (const char* bad : {R"(["0x0"])", R"(["0x8000"])", R"(["0x10000"])", R"(["partition"])", R"([""])", R"([1])", R"("0x1")"}) {
        CAPTURE(bad);
        const auto error = errorOf(std::string(R"({"resources":[{"name":"p","selectors":{"pKeys":)") + bad + "}}]}");
        CHECK(error.find("resources[0].selectors.pKeys") == 0);
    }
}
