// `ibvf` runs ibvf-ipam in-process, but has no etcd store linked in: for an etcd network it execs
// ibvf-ipam-etcd from CNI_PATH, through the very IpamClient the plugin uses.
#include <cstdlib>

#include "ClusterLab.hpp"
#include "plugin/IpamClient.hpp"
#include "support/BinaryRunner.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;

TEST_CASE("the plugin's bundled IPAM client hands an etcd network to ibvf-ipam-etcd") {
    EtcdServer etcd;
    const std::string buildDir = std::filesystem::path(ibvf::test::builtBinary("ibvf-ipam")).parent_path().string();
    const RuntimeEnv env({{"CNI_CONTAINERID", "plug1"},
                          {"CNI_NETNS", "/proc/self/ns/net"},
                          {"CNI_IFNAME", "net1"},
                          {"CNI_PATH", buildDir},
                          {"CNI_ARGS", ""}});
    cni::Request req{cni::Env{}, cni::parseNetConf(clusterConfig(etcd.endpoint(), "node-p"))};
    req.env.command = cni::Command::Add;
    req.env.containerId = "plug1";
    req.env.ifname = "net1";
    req.env.netns = "/proc/self/ns/net";
    req.env.path = {buildDir};

    const auto ipam = plugin::makeIpamClient("ibvf-ipam");
    const cni::Result result = ipam->startAdd(req)->wait();
    REQUIRE(result.ips.size() == 1);
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.addressesOf("node-p", "plug1") == std::set<std::string>{result.ips[0].address.address.toString()});
    ipam->status(req);
    ipam->del(req);
    CHECK(etcd.keysUnder(kPrefix).empty());
}
