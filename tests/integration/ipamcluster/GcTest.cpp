// GC and the reconcile behind it only ever look at this node's leases.
#include "ClusterLab.hpp"
#include "ipam/BackendConfig.hpp"
#include "ipam/Reconcile.hpp"
#include "ipam/etcd/EtcdLeaseStore.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;

namespace {

std::string validAttachments(const std::vector<std::string>& cids) {
    std::string list;
    for (const auto& c : cids) list += (list.empty() ? "" : ",") + (R"({"containerID":")" + c + R"(","ifname":"net1"})");
    return R"(,"cni.dev/valid-attachments":[)" + list + "]";
}

}  // namespace

TEST_CASE("GC from one node never frees another node's leases, whatever its valid list says") {
    EtcdServer etcd;
    const Node a("node-a"), b("node-b");
    for (const Node* n : {&a, &b}) {
        for (const char* cid : {"c1", "c2", "c3"}) {
            const auto r = n->run("ADD", clusterConfig(etcd.endpoint(), n->name()), cid);
            REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        }
    }
    NetSpec gc;
    gc.topExtra = validAttachments({"c1"});
    auto r = a.run("GC", clusterConfig(etcd.endpoint(), a.name(), gc), "");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.addressesOf("node-a", "c1").size() == 1);
    CHECK(state.addressesOf("node-a", "c2").empty());
    CHECK(state.addressesOf("node-a", "c3").empty());
    for (const char* cid : {"c1", "c2", "c3"}) CHECK(state.addressesOf("node-b", cid).size() == 1);

    // Node b's GC with nothing valid frees all of b's, and still none of a's.
    gc.topExtra = validAttachments({});
    r = b.run("GC", clusterConfig(etcd.endpoint(), b.name(), gc), "");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == 1);
    CHECK(state.addressesOf("node-a", "c1").size() == 1);

    // DEL of a container ID that exists on another node releases nothing there.
    CHECK(b.run("DEL", clusterConfig(etcd.endpoint(), b.name()), "c1").exitCode == 0);
    CHECK(ClusterState::read(etcd).addressesOf("node-a", "c1").size() == 1);
}

TEST_CASE("reconcileNodeLeases, the library call for ibvf-diag: dry run reports, release frees, this node only") {
    registerEtcdStore(openEtcdStore);  // as ibvf-ipam-etcd (and any program reconciling etcd) does
    EtcdServer etcd;
    const Node a("node-a"), b("node-b");
    for (const Node* n : {&a, &b}) {
        for (const char* cid : {"keep", "gone"}) REQUIRE(n->run("ADD", clusterConfig(etcd.endpoint(), n->name()), cid).exitCode == 0);
    }
    const auto conf = cni::parseNetConf(clusterConfig(etcd.endpoint(), "node-a"));
    const std::vector<AttachmentKey> valid{{"keep", "net1"}};

    auto report = reconcileNodeLeases(conf, valid, ReconcileMode::DryRun);
    CHECK(report.held.size() == 2);
    REQUIRE(report.stale.size() == 1);
    CHECK(report.stale[0].owner == AttachmentKey{"gone", "net1"});
    CHECK(report.stale[0].node == "node-a");
    CHECK(report.stale[0].takenAt > 0);
    CHECK(report.released == 0);
    CHECK(ClusterState::read(etcd).leases.size() == 4);

    report = reconcileNodeLeases(conf, valid, ReconcileMode::Release);
    CHECK(report.released == 1);
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == 3);
    CHECK(state.addressesOf("node-a", "gone").empty());
    CHECK(state.addressesOf("node-b", "gone").size() == 1);
    CHECK(reconcileNodeLeases(conf, valid, ReconcileMode::Release).released == 0);
}
