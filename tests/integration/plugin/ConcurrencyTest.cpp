// Many ADDs and DELs at once, as a busy node sees them.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "PluginLab.hpp"

using namespace ibvf::test;

TEST_CASE("16 parallel ADDs on 16 VFs, then 16 parallel DELs") {
    constexpr unsigned kN = 16;
    PluginLab lab(kN);
    std::vector<std::unique_ptr<ScopedNetns>> pods;
    for (unsigned i = 0; i < kN; ++i) {
        pods.push_back(std::make_unique<ScopedNetns>());
        lab.veth(i).alsoSearch(pods.back()->path());
    }
    const auto hostBefore = HostSnapshot::capture();
    auto conf = [&](unsigned i) {
        return netconf("1.0.0", R"(,"deviceID":")" + vfPci(i) + "\"", bundledIpam("10.60.0.0/24", "10.60.0.1"));
    };
    std::vector<RunResult> adds(kN);
    {
        std::vector<std::thread> threads;
        for (unsigned i = 0; i < kN; ++i) {
            threads.emplace_back([&, i] { adds[i] = lab.run("ADD", "cid-par" + std::to_string(i), pods[i]->path(), conf(i)); });
        }
        for (auto& t : threads) t.join();
    }
    std::set<std::string> addresses;
    for (unsigned i = 0; i < kN; ++i) {
        REQUIRE_MESSAGE(adds[i].exitCode == 0, adds[i].summary());
        addresses.insert(jsonString((*adds[i].json)["ips"][0], "address"));
        CHECK(linkExistsIn(pods[i]->path(), "net1"));
    }
    CHECK(addresses.size() == kN);

    std::vector<RunResult> dels(kN);
    {
        std::vector<std::thread> threads;
        for (unsigned i = 0; i < kN; ++i) {
            threads.emplace_back([&, i] { dels[i] = lab.run("DEL", "cid-par" + std::to_string(i), pods[i]->path(), conf(i)); });
        }
        for (auto& t : threads) t.join();
    }
    for (unsigned i = 0; i < kN; ++i) {
        CHECK_MESSAGE(dels[i].exitCode == 0, dels[i].summary());
        CHECK(linkExistsIn("", lab.vfNetdev(i)));
    }
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
    CHECK(lab.attachmentFiles().empty());
    const auto hostAfter = HostSnapshot::capture();
    CHECK_MESSAGE(hostBefore == hostAfter, hostBefore.diff(hostAfter));
}

TEST_CASE("pfNetdevice: parallel ADDs without deviceID never share a VF; the next one finds none free") {
    constexpr unsigned kN = 4;
    PluginLab lab(kN);
    std::vector<std::unique_ptr<ScopedNetns>> pods;
    for (unsigned i = 0; i <= kN; ++i) {
        pods.push_back(std::make_unique<ScopedNetns>());
        for (unsigned v = 0; v < kN; ++v) lab.veth(v).alsoSearch(pods.back()->path());
    }
    const auto conf = netconf("1.1.0", R"(,"pfNetdevice":")" + lab.pfNetdev() + "\"", bundledIpam());
    std::vector<RunResult> adds(kN);
    {
        std::vector<std::thread> threads;
        for (unsigned i = 0; i < kN; ++i) {
            threads.emplace_back([&, i] { adds[i] = lab.run("ADD", "cid-pf" + std::to_string(i), pods[i]->path(), conf); });
        }
        for (auto& t : threads) t.join();
    }
    std::set<std::string> vfs;
    for (const auto& r : adds) {
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        vfs.insert(jsonString((*r.json)["interfaces"][0], "pciID"));
    }
    CHECK(vfs.size() == kN);

    auto none = lab.run("ADD", "cid-pf-extra", pods[kN]->path(), conf);
    REQUIRE(none.json);
    CHECK((*none.json)["code"].GetUint() == 102);
    CHECK(jsonString(*none.json, "msg").find(lab.pfNetdev()) != std::string::npos);

    for (unsigned i = 0; i < kN; ++i) CHECK(lab.run("DEL", "cid-pf" + std::to_string(i), pods[i]->path(), conf).exitCode == 0);
    // All free again: the next ADD gets one.
    auto again = lab.run("ADD", "cid-pf-extra", pods[kN]->path(), conf);
    CHECK_MESSAGE(again.exitCode == 0, again.summary());
    CHECK(lab.run("DEL", "cid-pf-extra", pods[kN]->path(), conf).exitCode == 0);
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE("pfNetdevice never takes a VF the device plugin has allocated") {
    PluginLab lab(2);
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    lab.veth(1).alsoSearch(pod.path());
    // What ibvf-device-plugin writes on Allocate.
    const auto records = lab.stateDir() / "run" / "allocations";
    std::filesystem::create_directories(records);
    std::ofstream(records / (vfPci(0) + ".json")) << R"({"pciAddress":")" << vfPci(0) << R"(","resource":"rdma/vhca","time":1})";

    const auto conf = netconf("1.1.0", R"(,"pfNetdevice":")" + lab.pfNetdev() + "\"", bundledIpam());
    auto add = lab.run("ADD", "cid-dp", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    CHECK(jsonString((*add.json)["interfaces"][0], "pciID") == vfPci(1));
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
    CHECK(lab.run("DEL", "cid-dp", pod.path(), conf).exitCode == 0);
}
