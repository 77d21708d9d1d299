#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>

#include <rapidjson/document.h>

#include "deviceplugin/CdiSpec.hpp"
#include "deviceplugin/Config.hpp"
#include "support/FakeSysfs.hpp"

using namespace ibvf::dp;
using ibvf::test::FakeSysfs;
using ibvf::test::FakeVfOptions;

namespace {

ResourceConfig resource(std::string prefix, std::string name, PoolMode mode = PoolMode::Sriov) {
    ResourceConfig r;
    r.prefix = std::move(prefix);
    r.name = std::move(name);
    r.mode = mode;
    return r;
}

DeviceRecord vf(const std::string& bdf, const std::string& rdma) {
    DeviceRecord d;
    d.id = bdf;
    d.pciAddress = bdf;
    d.rdmaDevice = rdma;
    return d;
}

}  // namespace

TEST_CASE("cdi kind from the resource name: <prefix>.ibvf/<name>, '.' in the name as '_'") {
    CHECK(cdi::kindOf(resource("rdma", "vhca")) == "rdma.ibvf/vhca");
    CHECK(cdi::kindOf(resource("example.com", "ib.fast-1")) == "example.com.ibvf/ib_fast-1");
    CHECK_THROWS_AS(cdi::kindOf(resource("1rdma", "vhca")), std::invalid_argument);
    CHECK_THROWS_AS(cdi::kindOf(resource("rdma", "9vhca")), std::invalid_argument);
    CHECK(cdi::specFileName("rdma.ibvf/vhca") == "rdma.ibvf-vhca.json");
    CHECK(cdi::isIbvfSpecFileName("rdma.ibvf-vhca.json"));
    CHECK_FALSE(cdi::isIbvfSpecFileName("rdma.ibvf-vhca.json.tmp.12.0"));
    CHECK_FALSE(cdi::isIbvfSpecFileName("nvidia.com-gpu.json"));
    CHECK_FALSE(cdi::isIbvfSpecFileName("rdma.ibvf-vhca.yaml"));
}

TEST_CASE("cdi names follow the CDI grammar") {
    CHECK(cdi::validVendor("rdma.ibvf"));
    CHECK_FALSE(cdi::validVendor("rdma.ibvf."));
    CHECK_FALSE(cdi::validVendor("-rdma"));
    CHECK(cdi::validClass("vhca_2"));
    CHECK_FALSE(cdi::validClass("v.hca"));
    CHECK(cdi::validDeviceName("0000-3b-00.2"));
    CHECK(cdi::validDeviceName("all"));
    CHECK_FALSE(cdi::validDeviceName("0000:3b:00.2"));
    CHECK_FALSE(cdi::validDeviceName("x/y"));

    Pool pool{resource("rdma", "vhca"), {vf("0000:3b:00.2", "mlx5_1")}, {}};
    CHECK(cdi::deviceNameForId(pool, "0000:3b:00.2") == std::optional<std::string>("0000-3b-00.2"));
    CHECK_FALSE(cdi::deviceNameForId(pool, "0000:3b:00.3"));
    CHECK(cdi::qualifiedName("rdma.ibvf/vhca", "0000-3b-00.2") == "rdma.ibvf/vhca=0000-3b-00.2");
    Pool hca{resource("rdma", "hca", PoolMode::Hca), {DeviceRecord{}}, {}};
    hca.devices[0].id = "17";
    CHECK(cdi::deviceNameForId(hca, "17") == std::optional<std::string>("all"));
}

TEST_CASE("cdi annotation key: cdi.k8s.io/ibvf_<class>_<device>, at most 63 characters after the prefix") {
    CHECK(cdi::annotationKey("rdma.ibvf/vhca", "0000-3b-00.2") == std::optional<std::string>("cdi.k8s.io/ibvf_vhca_0000-3b-00.2"));
    CHECK_FALSE(cdi::annotationKey("rdma.ibvf/" + std::string(50, 'a'), "0000-3b-00.2"));
}

TEST_CASE("cdi spec: version, kind, one device per VF with its char devices and rdma_cm, real numbers, rw") {
    FakeSysfs sysfs;
    sysfs.addPf("0000:3b:00.0", "", 8);
    FakeVfOptions o;
    o.rdmaDevice = "mlx5_1";
    sysfs.addVf("0000:3b:00.0", 0, "0000:3b:00.2", o);
    sysfs.addVf("0000:3b:00.0", 1, "0000:3b:00.3");
    sysfs.addRdmaCharDevices("mlx5_1", 1, 1);
    std::filesystem::create_directories(sysfs.root() / "class/misc/rdma_cm");
    std::ofstream(sysfs.root() / "class/misc/rdma_cm/dev") << "10:58\n";

    Pool pool{resource("rdma", "vhca"), {vf("0000:3b:00.2", "mlx5_1"), vf("0000:3b:00.3", "")}, {}};
    const std::string text = cdi::renderSpec(pool, ibvf::linux::Sysfs(sysfs.root()));
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    REQUIRE(doc.IsObject());
    CHECK(std::string(doc["cdiVersion"].GetString()) == "0.5.0");
    CHECK(std::string(doc["kind"].GetString()) == "rdma.ibvf/vhca");
    const auto& devices = doc["devices"];
    REQUIRE(devices.Size() == 2);
    CHECK(std::string(devices[0]["name"].GetString()) == "0000-3b-00.2");
    const auto& nodes = devices[0]["containerEdits"]["deviceNodes"];
    REQUIRE(nodes.Size() == 4);
    std::set<std::string> seen;
    for (const auto& n : nodes.GetArray()) {
        CHECK(std::string(n["type"].GetString()) == "c");
        CHECK(std::string(n["permissions"].GetString()) == "rw");
        seen.insert(std::string(n["path"].GetString()) + " " + std::to_string(n["major"].GetUint()) + ":" +
                    std::to_string(n["minor"].GetUint()));
    }
    CHECK(seen == std::set<std::string>{"/dev/infiniband/uverbs1 231:1", "/dev/infiniband/umad1 231:1", "/dev/infiniband/issm1 231:1",
                                        "/dev/infiniband/rdma_cm 10:58"});
    // No RDMA device: rdma_cm only, never an empty edit (invalid CDI).
    CHECK(devices[1]["containerEdits"]["deviceNodes"].Size() == 1);

    SUBCASE("a char device whose number sysfs does not give is left for the runtime to stat") {
        std::filesystem::remove(sysfs.root() / "class/misc/rdma_cm/dev");
        rapidjson::Document again;
        again.Parse(cdi::renderSpec(pool, ibvf::linux::Sysfs(sysfs.root())).c_str());
        const auto& cm = again["devices"][1]["containerEdits"]["deviceNodes"][0];
        CHECK(std::string(cm["path"].GetString()) == "/dev/infiniband/rdma_cm");
        CHECK_FALSE(cm.HasMember("major"));
        CHECK_FALSE(cm.HasMember("type"));
    }
}

TEST_CASE("config: cdi is off by default, devices or annotations when asked, anything else refused") {
    CHECK(parseConfig(R"({"mode":"hca"})").cdi == CdiMode::Off);
    CHECK(parseConfig(R"({"mode":"hca","cdi":"devices"})").cdi == CdiMode::Devices);
    CHECK(parseConfig(R"({"mode":"hca","cdi":"annotations"})").cdi == CdiMode::Annotations);
    CHECK(parseConfig(R"({"mode":"hca","cdi":"off"})").cdi == CdiMode::Off);
    CHECK_THROWS_WITH_AS(parseConfig(R"({"mode":"hca","cdi":"both"})"), doctest::Contains("cdi: \"both\" is not one of"), ConfigError);
}

TEST_CASE("cdi: the device names a spec declares (what ibvf-diag compares with the pool)") {
    CHECK(cdi::deviceNamesInSpec(R"({"cdiVersion":"0.5.0","kind":"a.ibvf/b","devices":[{"name":"x"},{"name":"y"}]})") ==
          std::optional<std::vector<std::string>>({"x", "y"}));
    CHECK_FALSE(cdi::deviceNamesInSpec("{"));
    CHECK_FALSE(cdi::deviceNamesInSpec(R"({"devices":[{"nom":"x"}]})"));
    CHECK_FALSE(cdi::deviceNamesInSpec(R"({"kind":"a.ibvf/b"})"));
}
