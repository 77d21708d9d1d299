// CHECK, GC and STATUS against real namespaces.
#include <doctest/doctest.h>

#include <fstream>

#include "PluginLab.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"

using namespace ibvf::test;

namespace {

std::string withPrevResult(const std::string& conf, const std::string& result) {
    return conf.substr(0, conf.size() - 1) + R"(,"prevResult":)" + result + "}";
}

}  // namespace

TEST_CASE("CHECK passes on a healthy attachment and names what differs otherwise") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","mtu":1450)", bundledIpam());
    auto add = lab.run("ADD", "cid-chk", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    const auto checkConf = withPrevResult(conf, add.out);

    auto ok = lab.run("CHECK", "cid-chk", pod.path(), checkConf);
    CHECK_MESSAGE(ok.exitCode == 0, ok.summary());
    CHECK(ok.out.empty());

    auto old = lab.run("CHECK", "cid-chk", pod.path(),
                       withPrevResult(netconf("0.3.1", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam()), add.out));
    CHECK(old.exitCode != 0);
    REQUIRE(old.json);
    CHECK((*old.json)["code"].GetUint() == 1);

    {
        auto ns = pod.open();
        auto sock = ibvf::linux::runInNetNs(ns, [] { return ibvf::linux::RouteSocket(); });
        auto link = sock.linkByName("net1");
        REQUIRE(link);
        sock.setMtu(link->ifindex, 1400);
    }
    auto mtu = lab.run("CHECK", "cid-chk", pod.path(), checkConf);
    CHECK(mtu.exitCode != 0);
    CHECK(mtu.out.find("MTU") != std::string::npos);
    {
        auto ns = pod.open();
        auto sock = ibvf::linux::runInNetNs(ns, [] { return ibvf::linux::RouteSocket(); });
        auto link = sock.linkByName("net1");
        sock.setMtu(link->ifindex, 1450);
        sock.deleteAddress(link->ifindex, *ibvf::net::IpPrefix::parse("10.56.0.2/24"));
    }
    auto addr = lab.run("CHECK", "cid-chk", pod.path(), checkConf);
    CHECK(addr.exitCode != 0);
    CHECK(addr.out.find("10.56.0.2/24") != std::string::npos);

    auto unknown = lab.run("CHECK", "cid-other", pod.path(), checkConf);
    CHECK(unknown.exitCode != 0);

    CHECK(lab.run("DEL", "cid-chk", pod.path(), conf).exitCode == 0);
}

TEST_CASE("GC releases every attachment not listed as valid, and only those") {
    PluginLab lab(2);
    ScopedNetns podA, podB;
    lab.veth(0).alsoSearch(podA.path());
    lab.veth(1).alsoSearch(podB.path());
    auto conf = [&](unsigned vf) { return netconf("1.1.0", R"(,"deviceID":")" + vfPci(vf) + "\"", bundledIpam()); };
    REQUIRE(lab.run("ADD", "cid-keep", podA.path(), conf(0)).exitCode == 0);
    REQUIRE(lab.run("ADD", "cid-stale", podB.path(), conf(1)).exitCode == 0);

    const auto gcConf = netconf("1.1.0", R"(,"cni.dev/valid-attachments":[{"containerID":"cid-keep","ifname":"net1"}])", bundledIpam());
    auto env = lab.nodeEnv("GC");
    auto gc = BinaryRunner("ibvf").run(env, gcConf);
    REQUIRE_MESSAGE(gc.exitCode == 0, gc.summary());

    CHECK(linkExistsIn(podA.path(), "net1"));
    CHECK_FALSE(linkExistsIn(podB.path(), "net1"));
    CHECK(linkExistsIn("", lab.vfNetdev(1)));
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 1);

    CHECK(lab.run("DEL", "cid-keep", podA.path(), conf(0)).exitCode == 0);
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE("STATUS: ready with a writable state dir, code 50 otherwise") {
    PluginLab lab;
    const auto conf = netconf("1.1.0", "", bundledIpam());
    auto env = lab.nodeEnv("STATUS");
    auto ok = BinaryRunner("ibvf").run(env, conf);
    CHECK_MESSAGE(ok.exitCode == 0, ok.summary());

    const auto blocker = lab.stateDir() / "not-a-dir";
    std::ofstream(blocker) << "x";
    env["IBVF_STATE_DIR"] = blocker.string();
    auto bad = BinaryRunner("ibvf").run(env, netconf("1.1.0", "", ""));
    CHECK(bad.exitCode != 0);
    REQUIRE(bad.json);
    CHECK((*bad.json)["code"].GetUint() == 50);
}
