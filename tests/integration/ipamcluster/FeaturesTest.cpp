// What the node-local store does, the etcd store does too: requested addresses, exclusions, dual
// stack, routes, re-ADD, CHECK, every cniVersion.
#include "ClusterLab.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;

TEST_CASE("dual stack with routes and exclusions; re-ADD returns the same addresses; CHECK; DEL") {
    EtcdServer etcd;
    NetSpec spec;
    spec.ipam = R"("ranges":[[{"subnet":"10.46.0.0/24","rangeStart":"10.46.0.10","rangeEnd":"10.46.0.40"}],)"
                R"([{"subnet":"fd46::/64","gateway":"fd46::fe"}]],"exclude":["10.46.0.16/28"],)"
                R"("routes":[{"dst":"0.0.0.0/0","gw":"10.46.0.1","priority":5},{"dst":"fd47::/64"}])";
    const Node node("node-a");
    const std::string conf = clusterConfig(etcd.endpoint(), node.name(), spec);

    std::set<std::string> v4;
    for (int i = 0; i < 15; ++i) {  // .10-.40 minus .16-.31: 15 addresses
        const auto r = node.run("ADD", conf, ibvf::ipam::test::numbered("d", i));
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        const auto& j = *r.json;
        REQUIRE(j["ips"].Size() == 2);
        const std::string a4 = bare(addressOf(r, 0));
        const int last = std::stoi(a4.substr(a4.rfind('.') + 1));
        CHECK((last >= 10 && last <= 40 && (last < 16 || last > 31)));
        CHECK(addressOf(r, 0).find("/24") != std::string::npos);
        CHECK(addressOf(r, 1).rfind("fd46::", 0) == 0);
        CHECK(addressOf(r, 1).find("/64") != std::string::npos);
        CHECK(std::string(j["ips"][1]["gateway"].GetString()) == "fd46::fe");
        REQUIRE(j["routes"].Size() == 2);
        CHECK(std::string(j["routes"][0]["gw"].GetString()) == "10.46.0.1");
        CHECK(j["routes"][0]["priority"].GetInt() == 5);
        CHECK(v4.insert(a4).second);
    }
    auto r = node.run("ADD", conf, "one-too-many");
    CHECK(codeOf(r) == 103);
    CHECK(msgOf(r).find("no free address left in range set 0 (10.46.0.0/24 (10.46.0.10-10.46.0.40))") != std::string::npos);
    auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == 30);  // nothing of the refused ADD: not even its free IPv6 address

    // A repeated ADD returns what the attachment holds, and claims nothing more.
    const auto first = node.run("ADD", conf, "d3");
    REQUIRE_MESSAGE(first.exitCode == 0, first.summary());
    CHECK(state.addressesOf("node-a", "d3") == std::set<std::string>{bare(addressOf(first, 0)), bare(addressOf(first, 1))});
    CHECK(ClusterState::read(etcd).leases.size() == 30);

    std::string withPrev = conf;
    withPrev.insert(withPrev.size() - 1, ",\"prevResult\":" + first.out);
    r = node.run("CHECK", withPrev, "d3");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    REQUIRE(node.run("DEL", conf, "d3").exitCode == 0);
    r = node.run("CHECK", withPrev, "d3");
    CHECK(codeOf(r) == 103);
    CHECK(msgOf(r).find("holds no lease") != std::string::npos);
    CHECK(ClusterState::read(etcd).leases.size() == 28);
}

TEST_CASE("requested addresses: granted when free, refused naming the holder and its node when not") {
    EtcdServer etcd;
    const Node a("node-a"), b("node-b");
    const std::string confA = clusterConfig(etcd.endpoint(), a.name());
    const std::string confB = clusterConfig(etcd.endpoint(), b.name());
    auto r = a.run("ADD", confA, "c1", "net1", "IgnoreUnknown=1;IP=10.44.1.77");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(addressOf(r) == "10.44.1.77/22");
    // The same attachment again: same address.
    r = a.run("ADD", confA, "c1", "net1", "IgnoreUnknown=1;IP=10.44.1.77");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(addressOf(r) == "10.44.1.77/22");

    r = b.run("ADD", confB, "c2", "net1", "IP=10.44.1.77");
    CHECK(codeOf(r) == 103);
    CHECK_MESSAGE(
        msgOf(r).find("requested address 10.44.1.77 is already leased to container c1 interface net1 on node node-a") != std::string::npos,
        r.summary());
    r = b.run("ADD", confB, "c2", "net1", "IP=10.44.0.1");
    CHECK(codeOf(r) == 103);
    CHECK(msgOf(r).find("gateway") != std::string::npos);
    // runtimeConfig.ips, as Multus passes them.
    std::string withIps = confB;
    withIps.insert(withIps.size() - 1, R"(,"runtimeConfig":{"ips":["10.44.2.5/22"]})");
    r = b.run("ADD", withIps, "c3");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(addressOf(r) == "10.44.2.5/22");
    // A re-ADD that now asks for another address moves to it and gives the old one back.
    r = a.run("ADD", confA, "c1", "net1", "IP=10.44.1.78");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(addressOf(r) == "10.44.1.78/22");
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.addressesOf("node-a", "c1") == std::set<std::string>{"10.44.1.78"});
    CHECK(state.leases.size() == 2);
}

TEST_CASE("every cniVersion; ibvf-ipam-etcd serves node-local configs too; interfaces of one container are separate") {
    EtcdServer etcd;
    const Node node("node-a");
    for (const std::string v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
        CAPTURE(v);
        NetSpec spec;
        spec.version = v;
        const auto r = node.run("ADD", clusterConfig(etcd.endpoint(), node.name(), spec), "v" + v);
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        CHECK(std::string((*r.json)["cniVersion"].GetString()) == v);
        CHECK((*r.json)["ips"][0].HasMember("version") == (v[0] == '0'));
    }
    const std::string conf = clusterConfig(etcd.endpoint(), node.name());
    const auto r1 = node.run("ADD", conf, "multi", "net1");
    const auto r2 = node.run("ADD", conf, "multi", "net2");
    REQUIRE(r1.exitCode == 0);
    REQUIRE(r2.exitCode == 0);
    CHECK(addressOf(r1) != addressOf(r2));
    REQUIRE(node.run("DEL", conf, "multi", "net1").exitCode == 0);
    auto state = ClusterState::read(etcd);
    CHECK(state.addressesOf("node-a", "multi", "net1").empty());
    CHECK(state.addressesOf("node-a", "multi", "net2").size() == 1);

    ibvf::ipam::test::TempDir root;
    const Node direct("node-a", "ibvf-ipam-etcd");
    const std::string local = R"({"cniVersion":"1.0.0","name":"localnet","type":"ibvf","ipam":{"type":"ibvf-ipam",)"
                              R"("subnet":"10.47.0.0/24","dataDir":")" +
                              (root.path() / "leases").string() + "\"}}";
    ::setenv("IBVF_STATE_DIR", root.path().c_str(), 1);
    const auto l = direct.run("ADD", local, "loc");
    ::unsetenv("IBVF_STATE_DIR");
    CHECK_MESSAGE(l.exitCode == 0, l.summary());
    CHECK(addressOf(l) == "10.47.0.2/24");
    CHECK(std::filesystem::is_symlink(root.path() / "leases" / "localnet" / "leases" / "10.47.0.2"));  // a link to the record
}
