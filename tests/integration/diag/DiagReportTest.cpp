// ibvf-diag's node report through the real binary, on a fake sysfs with veth stand-ins, with the
// state written by the real plugin, IPAM and device plugin code.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "DiagLab.hpp"
#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/Config.hpp"
#include "deviceplugin/Discovery.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// Kinds other than the RDMA netns mode, which depends on the kernel the tests run on: without
// the RDMA core (the machines here) it is unknown, a note; in shared mode it is a warning.
std::vector<std::string> nodeProblemKinds(const rapidjson::Document& report) {
    auto kinds = problemKinds(report);
    const auto& mode = report["rdma"]["netnsMode"];
    if (mode.IsString() && std::string(mode.GetString()) == "shared") {
        CHECK(std::count(kinds.begin(), kinds.end(), "rdma-netns-shared") == 1);
        kinds.erase(std::remove(kinds.begin(), kinds.end(), "rdma-netns-shared"), kinds.end());
    }
    return kinds;
}

// A record as ibvf-device-plugin's Allocate leaves it, through its own code.
void allocate(DiagLab& d, const std::string& vfBdf) {
    const auto config = dp::parseConfig(R"({"mode":"sriov","pfNetdevices":[")" + d.lab.pfNetdev() + R"("]})");
    const auto pools = dp::discover(config, linux::Sysfs(d.lab.sysfs().root()));
    REQUIRE(pools.size() == 1);
    dp::allocateContainer(pools[0], {vfBdf}, linux::Sysfs(d.lab.sysfs().root()),
                          dp::AllocationPaths{d.runDir() / "devinfo", d.allocationsDir()});
}

std::string conf(unsigned vf) { return netconf("1.1.0", R"(,"deviceID":")" + vfPci(vf) + "\"", bundledIpam()); }

}  // namespace

TEST_CASE("a clean node: exit 0, the PF and its VFs in the table and in --json") {
    DiagLab d;
    const auto text = d.diag({"--pf", d.lab.pfNetdev()});
    INFO(text.summary());
    const auto json = d.report();
    REQUIRE_MESSAGE(json.json, json.summary());
    CHECK(nodeProblemKinds(*json.json).empty());
    if (json.json->operator[]("problems").Empty()) {
        CHECK(text.exitCode == 0);
        CHECK(json.exitCode == 0);
        CHECK(contains(text.out, "No problems found."));
    }
    CHECK(text.err.empty());
    CHECK(contains(text.out, d.lab.pfNetdev() + "  0000:3b:00.0  mlx5_0  infiniband  up"));
    CHECK(contains(text.out, vfPci(0) + "  mlx5_core  mlx5_1  " + d.lab.vfNetdev(0)));

    const auto& r = *json.json;
    CHECK(std::string(r["schema"].GetString()) == "ibvf-diag/v1");
    const auto& pf = r["pfs"][0];
    CHECK(std::string(pf["netdev"].GetString()) == d.lab.pfNetdev());
    CHECK(std::string(pf["selectedBy"][0].GetString()) == "--pf");
    CHECK(pf["sriovTotalVfs"].GetUint() == 64);
    CHECK(pf["sriovNumVfs"].GetUint() == 2);
    CHECK(std::string(pf["link"]["state"].GetString()) == "up");
    REQUIRE(pf["vfs"].Size() == 2);
    const auto& vf = vfOf(r, 1);
    CHECK(std::string(vf["pciAddress"].GetString()) == vfPci(1));
    CHECK(std::string(vf["rdmaDevice"].GetString()) == "mlx5_2");
    CHECK(std::string(vf["link"]["name"].GetString()) == d.lab.vfNetdev(1));
    CHECK_FALSE(vf["linkInPod"].GetBool());
    // A veth has no IPoIB hardware address and its PF reports no VF GUIDs: unknown, said so.
    CHECK(vf["guid"].IsNull());
    CHECK(vf["pod"].IsNull());
    CHECK(vf["allocation"].IsNull());
    CHECK(contains(text.out, "unknown"));
}

TEST_CASE("without --pf the PF is found by its sysfs type (32) and SR-IOV capability") {
    DiagLab d;
    const auto r = d.diag({"--json"});
    REQUIRE_MESSAGE(r.json, r.summary());
    bool found = false;
    for (const auto& pf : (*r.json)["pfs"].GetArray()) {
        if (std::string(pf["netdev"].GetString()) != d.lab.pfNetdev()) continue;
        found = true;
        CHECK(std::string(pf["selectedBy"][0].GetString()) == "auto");
        CHECK(pf["vfs"].Size() == 2);
    }
    CHECK(found);
}

TEST_CASE("a VF attached by the real plugin shows the pod's container, its netdev there and its lease") {
    DiagLab d;
    ScopedNetns pod;
    d.lab.veth(1).alsoSearch(pod.path());
    const std::string cid = "0123456789abcdef0123456789abcdef";
    const auto add = d.lab.run("ADD", cid, pod.path(), conf(1));
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());

    const auto json = d.report();
    REQUIRE_MESSAGE(json.json, json.summary());
    CHECK(nodeProblemKinds(*json.json).empty());
    const auto& vf = vfOf(*json.json, 1);
    REQUIRE(vf["pod"].IsObject());
    CHECK(std::string(vf["pod"]["containerId"].GetString()) == cid);
    CHECK(std::string(vf["pod"]["ifname"].GetString()) == "net1");
    CHECK(std::string(vf["pod"]["network"].GetString()) == "ibnet");
    CHECK(std::string(vf["pod"]["netns"].GetString()) == pod.path());
    CHECK(vf["pod"]["netnsExists"].GetBool());
    CHECK(std::string(vf["pod"]["phase"].GetString()) == "attached");
    CHECK(vf["linkInPod"].GetBool());
    CHECK(std::string(vf["link"]["name"].GetString()) == "net1");
    CHECK(vf["link"]["adminUp"].GetBool());  // its veth peer is down: no carrier
    REQUIRE(vf["lease"].IsObject());
    CHECK(vf["lease"]["error"].IsNull());
    REQUIRE(vf["lease"]["addresses"].Size() == 1);
    CHECK(std::string(vf["lease"]["addresses"][0].GetString()) == "10.56.0.2");
    CHECK(std::string(vf["pod"]["addresses"][0].GetString()) == "10.56.0.2/24");
    CHECK(vfOf(*json.json, 0)["pod"].IsNull());

    const auto text = d.diag({"--pf", d.lab.pfNetdev()});
    CHECK_MESSAGE(contains(text.out, "net1 (in pod)"), text.out);
    CHECK(contains(text.out, "0123456789ab/net1  ibnet    10.56.0.2"));

    const auto del = d.lab.run("DEL", cid, pod.path(), conf(1));
    REQUIRE_MESSAGE(del.exitCode == 0, del.summary());
    const auto after = d.report();
    REQUIRE(after.json);
    CHECK(vfOf(*after.json, 1)["pod"].IsNull());
}

TEST_CASE("an attachment whose pod namespace is gone: attachment-netns-gone, exit 1") {
    DiagLab d;
    {
        ScopedNetns pod;
        d.lab.veth(0).alsoSearch(pod.path());
        const auto add = d.lab.run("ADD", "cid-gone", pod.path(), conf(0));
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    }  // the namespace (and the veth inside) die here; the state stays
    const auto r = d.report();
    REQUIRE_MESSAGE(r.json, r.summary());
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"attachment-netns-gone"});
    CHECK_FALSE(vfOf(*r.json, 0)["pod"]["netnsExists"].GetBool());
    // DEL still cleans up after the namespace is gone.
    const auto del = d.lab.run("DEL", "cid-gone", "", conf(0));
    CHECK_MESSAGE(del.exitCode == 0, del.summary());
}

TEST_CASE("sriov_numvfs=0: pf-no-vfs with how to enable VFs, exit 1") {
    DiagLab d(1);
    d.lab.sysfs().setNumVfs(PluginLab::kPf, 0);
    const auto r = d.diag({"--pf", d.lab.pfNetdev()});
    CHECK(r.exitCode == 1);
    CHECK_MESSAGE(contains(r.out, "[pf-no-vfs] sriov_numvfs=0 on " + d.lab.pfNetdev() + " (sriov_totalvfs=64)"), r.out);
    CHECK(contains(r.out, "enableVfs"));
}

TEST_CASE("a PF that does not exist: pf-unusable, exit 1") {
    DiagLab d(1);
    const auto r = d.diag({"--json", "--pf", "ibvfdiagnone0"});
    REQUIRE(r.json);
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"pf-unusable"});
    CHECK(contains((*r.json)["pfs"][0]["error"].GetString(), "ibvfdiagnone0"));
}

TEST_CASE("device plugin: its PFs, pools and allocations; socket missing, served, then stale") {
    DiagLab d;
    const auto config = d.writeDevicePluginConfig();
    allocate(d, vfPci(0));
    const std::vector<std::string> args{"--json", "--device-plugin-config", config.string()};

    auto r = d.diag(args);
    REQUIRE_MESSAGE(r.json, r.summary());
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"device-plugin-socket-missing"});
    const auto& dp = (*r.json)["devicePlugin"];
    CHECK(std::string(dp["config"].GetString()) == config.string());
    CHECK(std::string(dp["resources"][0]["name"].GetString()) == "rdma/vhca");
    CHECK(std::string(dp["resources"][0]["socket"].GetString()) == (d.kubeletDir() / "ibvf-rdma-vhca.sock").string());
    // The PF comes from the config; its VFs are in the pool; VF 0 has the record Allocate wrote.
    bool fromConfig = false;
    for (const auto& pf : (*r.json)["pfs"].GetArray())
        if (std::string(pf["netdev"].GetString()) == d.lab.pfNetdev()) {
            for (const auto& by : pf["selectedBy"].GetArray())
                fromConfig = fromConfig || std::string(by.GetString()) == "device-plugin-config";
            CHECK(std::string(pf["vfs"][1]["resources"][0].GetString()) == "rdma/vhca");
            CHECK(std::string(pf["vfs"][0]["allocation"]["resource"].GetString()) == "rdma/vhca");
            CHECK(pf["vfs"][1]["allocation"].IsNull());
        }
    CHECK(fromConfig);

    ListeningSocket plugin(d.kubeletDir() / "ibvf-rdma-vhca.sock");
    r = d.diag(args);
    REQUIRE(r.json);
    CHECK(nodeProblemKinds(*r.json).empty());
    CHECK(std::string((*r.json)["devicePlugin"]["resources"][0]["socketState"].GetString()) == "listening");

    plugin.close();
    r = d.diag(args);
    REQUIRE(r.json);
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"device-plugin-socket-stale"});

    const auto text = d.diag({"--device-plugin-config", config.string()});
    CHECK(contains(text.out, "rdma/vhca: not-listening"));
}

TEST_CASE("device plugin in plugins-registry mode: its socket is found in plugins_registry") {
    DiagLab d;
    const auto config = d.writeDevicePluginConfig();
    const std::vector<std::string> args{"--json", "--device-plugin-config", config.string()};
    ListeningSocket plugin(d.pluginsRegistryDir() / "ibvf-rdma-vhca.sock");
    auto r = d.diag(args);
    REQUIRE_MESSAGE(r.json, r.summary());
    CHECK(nodeProblemKinds(*r.json).empty());
    const auto& resource = (*r.json)["devicePlugin"]["resources"][0];
    CHECK(std::string(resource["socket"].GetString()) == (d.pluginsRegistryDir() / "ibvf-rdma-vhca.sock").string());
    CHECK(std::string(resource["socketState"].GetString()) == "listening");

    // A socket left in device-plugins by an earlier kubelet-sock run does not hide the served one.
    ListeningSocket(d.kubeletDir() / "ibvf-rdma-vhca.sock").close();
    r = d.diag(args);
    REQUIRE(r.json);
    CHECK(nodeProblemKinds(*r.json).empty());
    CHECK(std::string((*r.json)["devicePlugin"]["resources"][0]["socketState"].GetString()) == "listening");

    plugin.close();
    r = d.diag(args);
    REQUIRE(r.json);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"device-plugin-socket-stale"});
}

TEST_CASE("an invalid device plugin config: device-plugin-config-invalid pointing at check-config") {
    DiagLab d(1);
    const auto path = d.kubeletDir() / "bad.json";
    std::ofstream(path) << R"({"mode":"sriov"})";
    const auto r = d.report({"--device-plugin-config", path.string()});
    REQUIRE(r.json);
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"device-plugin-config-invalid"});
    CHECK(contains((*r.json)["problems"][0]["fix"].GetString(), "ibvf-diag check-config " + path.string()));
}

TEST_CASE("an allocation record for a VF that no longer exists: allocation-stale, exit 1") {
    DiagLab d;
    allocate(d, vfPci(1));
    d.lab.sysfs().setNumVfs(PluginLab::kPf, 1);  // VF 1 is gone
    const auto r = d.report();
    REQUIRE_MESSAGE(r.json, r.summary());
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"allocation-stale"});
    CHECK(std::string((*r.json)["staleAllocations"][0]["pciAddress"].GetString()) == vfPci(1));
    CHECK(contains((*r.json)["problems"][0]["message"].GetString(), "allocation record for a VF that no longer exists"));
}

TEST_CASE("a VF the PF still lists but whose device is gone: vf-missing, exit 1") {
    DiagLab d;
    d.lab.sysfs().removeVf(vfPci(1));
    const auto r = d.report();
    REQUIRE(r.json);
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"vf-missing"});
    CHECK_FALSE(vfOf(*r.json, 1)["present"].GetBool());
}

TEST_CASE("a corrupt attachment state: attachment-corrupt, exit 1") {
    DiagLab d(1);
    std::filesystem::create_directories(d.lab.attachmentsDir());
    std::ofstream(d.lab.attachmentsDir() / "cid-x:net1.json") << "{not json";
    const auto r = d.report();
    REQUIRE(r.json);
    CHECK(r.exitCode == 1);
    CHECK(nodeProblemKinds(*r.json) == std::vector<std::string>{"attachment-corrupt"});
    CHECK(contains((*r.json)["corruptStates"][0].GetString(), "cid-x:net1.json"));
}

TEST_CASE("usage errors exit 2") {
    DiagLab d(1);
    CHECK(d.diag({"--bogus"}).exitCode == 2);
    CHECK(d.diag({"nosuchcommand"}).exitCode == 2);
}
