// A deviceID that ibvf-device-plugin offers but kubelet never allocated: the ADD goes ahead and
// the log says why it may not stay sound.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "PluginLab.hpp"

using namespace ibvf::test;

namespace {

std::string readAll(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("deviceID the device plugin offers without an allocation record: warned in the log") {
    PluginLab lab(2);
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    lab.veth(1).alsoSearch(pod.path());
    const auto run = lab.stateDir() / "run";
    std::filesystem::create_directories(run / "allocations");
    // What a running ibvf-device-plugin publishes: both VFs offered as rdma/vhca.
    std::ofstream(run / "advertised.json") << R"({"vfs":{")" << vfPci(0) << R"(":"rdma/vhca",")" << vfPci(1) << R"(":"rdma/vhca"}})";
    const auto logFile = lab.stateDir() / "log" / "ibvf.log";
    auto conf = [&](unsigned vf) {
        return netconf("1.1.0", R"(,"deviceID":")" + vfPci(vf) + R"(","logFile":")" + logFile.string() + "\"", bundledIpam());
    };
    const std::string warning = "is a VF ibvf-device-plugin offers as rdma/vhca, but kubelet has not allocated it";

    SUBCASE("no record: the ADD succeeds and the log names the VF, the resource and the records dir") {
        auto add = lab.run("ADD", "cid-adv", pod.path(), conf(0));
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
        const std::string log = readAll(logFile);
        CHECK_MESSAGE(log.find("deviceID " + vfPci(0) + " " + warning) != std::string::npos, log);
        CHECK(log.find((run / "allocations").string()) != std::string::npos);
        CHECK(lab.run("DEL", "cid-adv", pod.path(), conf(0)).exitCode == 0);
    }
    SUBCASE("with kubelet's allocation record: no warning") {
        std::ofstream(run / "allocations" / (vfPci(1) + ".json"))
            << R"({"pciAddress":")" << vfPci(1) << R"(","resource":"rdma/vhca","time":"2024-03-01T12:30:05Z"})";
        auto add = lab.run("ADD", "cid-adv", pod.path(), conf(1));
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
        CHECK(readAll(logFile).find(warning) == std::string::npos);
        CHECK(lab.run("DEL", "cid-adv", pod.path(), conf(1)).exitCode == 0);
    }
    SUBCASE("a VF the device plugin does not offer: no warning") {
        std::ofstream(run / "advertised.json") << R"({"vfs":{"0000:99:00.1":"rdma/vhca"}})";
        auto add = lab.run("ADD", "cid-adv", pod.path(), conf(0));
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
        CHECK(readAll(logFile).find("kubelet has not allocated") == std::string::npos);
        CHECK(lab.run("DEL", "cid-adv", pod.path(), conf(0)).exitCode == 0);
    }
    SUBCASE("a malformed list is no reason to fail the ADD") {
        std::ofstream(run / "advertised.json", std::ios::trunc) << "{not json";
        auto add = lab.run("ADD", "cid-adv", pod.path(), conf(0));
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
        CHECK(lab.run("DEL", "cid-adv", pod.path(), conf(0)).exitCode == 0);
    }
}
