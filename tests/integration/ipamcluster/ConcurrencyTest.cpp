// Many nodes allocating from one range at once: the property the etcd store exists for.
#include "ClusterLab.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;
using ibvf::ipam::test::numbered;

TEST_CASE("three nodes x 100 concurrent ADDs on one /22: 300 distinct addresses; DEL of all leaves nothing") {
    EtcdServer etcd;
    const std::vector<Node> nodes{Node("node-0"), Node("node-1"), Node("node-2")};
    constexpr std::size_t kPerNode = 100;
    // 300 processes on a small machine (sanitized builds, too): the default 5 s for a command's
    // etcd traffic measures the machine's load, not the store; uniqueness is what is under test.
    NetSpec spec;
    spec.backendExtra = R"(,"timeoutMs":60000)";
    // The same container IDs on every node: only the node tells their leases apart.
    const auto adds = runTogether(nodes.size() * kPerNode, [&](std::size_t i) {
        const Node& n = nodes[i % nodes.size()];
        return n.run("ADD", clusterConfig(etcd.endpoint(), n.name(), spec), numbered("pod", static_cast<int>(i / nodes.size())));
    });
    std::set<std::string> addresses;
    for (const auto& r : adds) {
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        const std::string a = bare(addressOf(r));
        CHECK(a.rfind("10.44.", 0) == 0);
        CHECK(a != "10.44.0.1");  // the gateway
        addresses.insert(a);
    }
    CHECK(addresses.size() == nodes.size() * kPerNode);

    auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == nodes.size() * kPerNode);
    for (std::size_t i = 0; i < adds.size(); ++i) {
        const auto& h = state.leases[bare(addressOf(adds[i]))];
        CHECK(h.node == nodes[i % nodes.size()].name());
        CHECK(h.cid == numbered("pod", static_cast<int>(i / nodes.size())));
    }

    const auto dels = runTogether(nodes.size() * kPerNode, [&](std::size_t i) {
        const Node& n = nodes[i % nodes.size()];
        return n.run("DEL", clusterConfig(etcd.endpoint(), n.name(), spec), numbered("pod", static_cast<int>(i / nodes.size())));
    });
    for (const auto& r : dels) {
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        CHECK(r.out.empty());
    }
    CHECK(etcd.keysUnder(kPrefix).empty());
}

TEST_CASE("a /28 shared by two nodes fills exactly, with no address twice, and the next ADD is refused cleanly") {
    EtcdServer etcd;
    NetSpec small;
    small.ipam = R"("subnet":"10.45.0.0/28","exclude":["10.45.0.8/30"])";  // 14 hosts - gateway - 4 excluded = 9
    const Node a("node-a"), b("node-b");
    const auto adds = runTogether(12, [&](std::size_t i) {
        const Node& n = i % 2 ? b : a;
        return n.run("ADD", clusterConfig(etcd.endpoint(), n.name(), small), numbered("c", static_cast<int>(i)));
    });
    std::set<std::string> got;
    int refused = 0;
    for (const auto& r : adds) {
        if (r.exitCode == 0) {
            const std::string addr = bare(addressOf(r));
            CHECK(got.insert(addr).second);
            const auto last = std::stoi(addr.substr(addr.rfind('.') + 1));
            CHECK((last >= 2 && last <= 14 && (last < 8 || last > 11)));
        } else {
            ++refused;
            CHECK(codeOf(r) == 103);
            CHECK_MESSAGE(msgOf(r).find("no free address left in range set 0") != std::string::npos, r.summary());
        }
    }
    CHECK(got.size() == 9);
    CHECK(refused == 3);
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == 9);
}
