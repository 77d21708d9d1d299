// The plugin as the CNI dispatcher drives it: env + config in, result or error JSON out.
#include <fstream>
#include <map>
#include <sstream>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include "IpamTestSupport.hpp"
#include "ipam/IpamPlugin.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

struct Outcome {
    int rc = -1;
    std::string out;
    rapidjson::Document json;
};

Outcome run(const std::string& command, const std::string& config, const std::string& cid = "c1", const std::string& ifname = "net1",
            const std::string& cniArgs = {}) {
    std::map<std::string, std::string> env{{"CNI_COMMAND", command}, {"CNI_CONTAINERID", cid},     {"CNI_NETNS", "/proc/self/ns/net"},
                                           {"CNI_IFNAME", ifname},   {"CNI_PATH", "/opt/cni/bin"}, {"CNI_ARGS", cniArgs}};
    const cni::EnvLookup lookup = [&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    IpamPlugin plugin;
    std::ostringstream out;
    Outcome o;
    o.rc = cni::dispatch(plugin, lookup, cni::IoStreams{config, out});
    o.out = out.str();
    if (!o.out.empty()) o.json.Parse(o.out.c_str());
    return o;
}

std::string config(const std::string& version, const std::string& ipamExtra = {}, const std::string& topExtra = {}) {
    return R"({"cniVersion":")" + version + R"(","name":"plug","type":"ibvf")" + topExtra +
           R"(,"ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.7.0.0/24"}],[{"subnet":"fd07::/64"}]],)"
           R"("routes":[{"dst":"0.0.0.0/0","gw":"10.7.0.1","mtu":2044,"table":7}])" +
           (ipamExtra.empty() ? "" : "," + ipamExtra) + "}}";
}

unsigned codeOf(const Outcome& o) { return o.json.IsObject() && o.json.HasMember("code") ? o.json["code"].GetUint() : 0; }
std::string msgOf(const Outcome& o) { return o.json.IsObject() && o.json.HasMember("msg") ? o.json["msg"].GetString() : ""; }

}  // namespace

TEST_CASE("ADD result shape in every supported cniVersion") {
    TempDir root;
    StateRootGuard guard(root.path());
    int n = 0;
    for (const std::string v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
        CAPTURE(v);
        const auto o = run("ADD", config(v), numbered("shape", n++));
        REQUIRE(o.rc == 0);
        REQUIRE(o.json.IsObject());
        CHECK(std::string(o.json["cniVersion"].GetString()) == v);
        CHECK_FALSE(o.json.HasMember("interfaces"));
        const auto& ips = o.json["ips"];
        REQUIRE(ips.Size() == 2);
        CHECK(std::string(ips[0]["address"].GetString()) == "10.7.0." + std::to_string(1 + n) + "/24");
        CHECK(std::string(ips[0]["gateway"].GetString()) == "10.7.0.1");
        CHECK(std::string(ips[1]["address"].GetString()) == "fd07::" + std::to_string(1 + n) + "/64");
        CHECK_FALSE(ips[0].HasMember("interface"));
        const bool old = v.rfind("0.", 0) == 0;
        CHECK(ips[0].HasMember("version") == old);
        if (old) CHECK(std::string(ips[1]["version"].GetString()) == "6");
        const auto& route = o.json["routes"][0];
        CHECK(std::string(route["dst"].GetString()) == "0.0.0.0/0");
        CHECK(std::string(route["gw"].GetString()) == "10.7.0.1");
        CHECK(route.HasMember("mtu") == (v == "1.1.0"));
        CHECK(route.HasMember("table") == (v == "1.1.0"));
    }
}

TEST_CASE("DEL is idempotent, CHECK verifies the lease, GC keeps the valid ones") {
    TempDir root;
    StateRootGuard guard(root.path());
    const auto add = run("ADD", config("1.1.0"), "c1");
    REQUIRE(add.rc == 0);
    REQUIRE(run("ADD", config("1.1.0"), "c2").rc == 0);

    // CHECK with the ADD's result as prevResult.
    std::string withPrev = config("1.1.0");
    withPrev.insert(withPrev.size() - 1, ",\"prevResult\":" + add.out);
    CHECK(run("CHECK", withPrev, "c1").rc == 0);
    // c2 does not hold c1's addresses.
    auto bad = run("CHECK", withPrev, "c2");
    CHECK(bad.rc == 1);
    CHECK(codeOf(bad) == 103);
    CHECK(msgOf(bad).find("10.7.0.2 of the previous result is not leased to container c2") != std::string::npos);

    CHECK(run("DEL", config("1.1.0"), "c1").rc == 0);
    CHECK(run("DEL", config("1.1.0"), "c1").rc == 0);
    CHECK(run("DEL", config("1.1.0"), "never-added").rc == 0);
    bad = run("CHECK", withPrev, "c1");
    CHECK(codeOf(bad) == 103);
    CHECK(msgOf(bad).find("holds no lease in range set 0") != std::string::npos);

    REQUIRE(run("ADD", config("1.1.0"), "c3").rc == 0);
    const std::string gc = config("1.1.0", {}, R"(,"cni.dev/valid-attachments":[{"containerID":"c3","ifname":"net1"}])");
    CHECK(run("GC", gc, "").rc == 0);
    const auto raw = RawStore::read(fs::weakly_canonical(root.path()) / "ibvf-ipam" / "plug");
    CHECK(raw.leases.size() == 2);
    CHECK(raw.addressesOf("c3", "net1").size() == 2);
}

TEST_CASE("DEL still works when the ranges were since edited into something invalid") {
    TempDir root;
    StateRootGuard guard(root.path());
    REQUIRE(run("ADD", config("1.0.0"), "c1").rc == 0);
    const std::string broken = R"({"cniVersion":"1.0.0","name":"plug","type":"ibvf","ipam":{"type":"ibvf-ipam","subnet":"nonsense"}})";
    CHECK(codeOf(run("ADD", broken, "c2")) == 7);
    CHECK(run("DEL", broken, "c1").rc == 0);
    CHECK(RawStore::read(fs::weakly_canonical(root.path()) / "ibvf-ipam" / "plug").leases.empty());
}

TEST_CASE("requested addresses through CNI_ARGS IP and runtimeConfig.ips") {
    TempDir root;
    StateRootGuard guard(root.path());
    auto o = run("ADD", config("1.0.0"), "c1", "net1", "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.7.0.99,fd07::99");
    REQUIRE(o.rc == 0);
    CHECK(std::string(o.json["ips"][0]["address"].GetString()) == "10.7.0.99/24");
    CHECK(std::string(o.json["ips"][1]["address"].GetString()) == "fd07::99/64");

    o = run("ADD", config("1.0.0", {}, R"(,"runtimeConfig":{"ips":["10.7.0.99/24"]})"), "c2");
    CHECK(o.rc == 1);
    CHECK(codeOf(o) == 103);
    CHECK(msgOf(o).find("network plug: requested address 10.7.0.99 is already leased to container c1") != std::string::npos);

    o = run("ADD", config("1.0.0", {}, R"(,"runtimeConfig":{"ips":["192.168.1.1"]})"), "c2");
    CHECK(codeOf(o) == 103);
    CHECK(msgOf(o).find("outside every range") != std::string::npos);

    o = run("ADD", config("1.0.0"), "c2", "net1", "K8S_POD_NAME=x;IP=10.7.0.50");
    CHECK(o.rc == 0);  // K8S_* are known keys
    o = run("ADD", config("1.0.0"), "c3", "net1", "FOO=bar");
    CHECK(codeOf(o) == 4);
}

TEST_CASE("STATUS validates the config and the lease directory") {
    TempDir root;
    StateRootGuard guard(root.path());
    CHECK(run("STATUS", config("1.1.0"), "").rc == 0);
    const auto o = run("STATUS", config("1.1.0", R"("dataDir":"/etc")"), "");
    CHECK(codeOf(o) == 7);
    CHECK(msgOf(o).find("outside the allowed root") != std::string::npos);
}

TEST_CASE("dns from resolvConf reaches the result") {
    TempDir root;
    StateRootGuard guard(root.path());
    const auto path = root.path() / "resolv.conf";
    std::ofstream(path) << "nameserver 10.7.0.53\nsearch cluster.local\noptions ndots:2\n";
    const auto o = run("ADD", config("1.0.0", R"("resolvConf":")" + path.string() + "\""), "c1");
    REQUIRE(o.rc == 0);
    CHECK(std::string(o.json["dns"]["nameservers"][0].GetString()) == "10.7.0.53");
    CHECK(std::string(o.json["dns"]["search"][0].GetString()) == "cluster.local");
    CHECK(std::string(o.json["dns"]["options"][0].GetString()) == "ndots:2");
}

TEST_CASE("in-process use: the plugin's request, add() directly, result serialisable in any version") {
    TempDir root;
    StateRootGuard guard(root.path());
    IpamPlugin plugin;
    const auto req = request(config("0.3.1"), "inproc");
    const auto result = plugin.add(req);
    REQUIRE(result.ips.size() == 2);
    CHECK_FALSE(result.ips[0].interfaceIndex);
    CHECK(result.ips[0].address.toString() == "10.7.0.2/24");
    CHECK(*result.ips[0].gateway == ip("10.7.0.1"));
    CHECK(result.interfaces.empty());
    for (const auto v : {cni::Version::V0_3_0, cni::Version::V0_4_0, cni::Version::V1_1_0}) {
        CHECK(cni::toJson(result, v).find("10.7.0.2/24") != std::string::npos);
    }
    plugin.del(req);
    CHECK(RawStore::read(fs::weakly_canonical(root.path()) / "ibvf-ipam" / "plug").leases.empty());
}
