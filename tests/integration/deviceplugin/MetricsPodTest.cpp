// Per-VF metrics after a real `ibvf` ADD moved the VF's netdev into a pod: the plugin finds it
// through ibvf's attachment state and reads its counters inside the pod's namespace; a namespace
// path that names another namespace by now is not read.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>

#include "DevicePluginLab.hpp"
#include "MetricsScrape.hpp"
#include "deviceplugin/VfReader.hpp"
#include "integration/plugin/PluginLab.hpp"
#include "linux/NetNs.hpp"
#include "metrics/TextFormat.hpp"
#include "support/HttpGet.hpp"
#include "support/LoopbackSocket.hpp"
#include "support/TimeScale.hpp"

namespace fs = std::filesystem;
using ibvf::test::bundledIpam;
using ibvf::test::httpGet;
using ibvf::test::linkExistsIn;
using ibvf::test::netconf;
using ibvf::test::PluginLab;
using ibvf::test::ScopedNetns;
using ibvf::test::vfPci;
using namespace ibvf::test::dp;

namespace {

const auto kSoon = ibvf::test::scaled(std::chrono::seconds(8));

}  // namespace

TEST_CASE("metrics per VF: after an ADD the VF's netdev is read inside the pod's namespace") {
    PluginLab node(1);
    ScopedNetns pod;
    node.veth(0).alsoSearch(pod.path());
    setLinkUp(node.veth(0).b(), true);
    TempDir dir;
    FakeKubelet kubelet(dir.path() / "device-plugins");
    std::ofstream(dir.path() / "config.json") << R"({"mode":"sriov","pfNetdevices":[")" << node.pfNetdev() << R"("]})";
    const std::uint16_t port = freePort();
    DaemonProcess daemon({"--config", (dir.path() / "config.json").string(), "--metrics-address", "127.0.0.1:" + std::to_string(port)},
                         {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IBVF_SYSFS_ROOT=" + node.sysfs().root().string(),
                          "IBVF_KUBELET_DIR=" + (dir.path() / "device-plugins").string(),
                          "IBVF_STATE_DIR=" + (node.stateDir() / "state").string(), "IBVF_RUN_DIR=" + (node.stateDir() / "run").string(),
                          "IBVF_DEVINFO_DIR=" + (dir.path() / "devinfo").string(), "IBVF_CDI_DIR=" + (dir.path() / "cdi").string()},
                         dir.path() / "daemon.log");
    REQUIRE_MESSAGE(kubelet.waitForRegistrations(1, kSoon).size() == 1, daemon.log());

    const std::string conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    const auto add = node.run("ADD", "cid-metrics", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    REQUIRE(linkExistsIn(pod.path(), "net1"));

    const std::string series = "ibvf_vf_netdev_receive_bytes_total{resource=\"rdma/vhca\",vf=\"" + vfPci(0) + "\"";
    std::string text;
    REQUIRE_MESSAGE(waitUntil([&] { return sampleStartingWith(text = scrapeOrEmpty(port), series).has_value(); }, kSoon),
                    text << daemon.log());
    const double before = *sampleStartingWith(text, series);
    sendFrames(node.veth(0).b(), 40, 300);  // the host end sends; net1 in the pod receives
    CHECK_MESSAGE(waitUntil([&] { return sampleStartingWith(scrapeOrEmpty(port), series).value_or(0) >= before + 40 * 300; }, kSoon),
                  scrapeOrEmpty(port));
    CHECK(scrapeOrEmpty(port).find("source=\"netdev\"") == std::string::npos);  // no read error on the way

    // After DEL the netdev is back on the host, and read there: the counters keep counting.
    CHECK(node.run("DEL", "cid-metrics", pod.path(), conf).exitCode == 0);
    CHECK(waitUntil([&] { return sampleStartingWith(scrapeOrEmpty(port), series).value_or(0) >= before + 40 * 300; }, kSoon));
    CHECK(daemon.terminate() == std::optional<int>(0));
}

TEST_CASE("metrics per VF: a pod's namespace path that names a new namespace is not read as the pod's") {
    ibvf::test::FakeSysfs sysfs;
    const std::string pf = "0000:3b:00.0";
    const std::string vf = "0000:3b:00.2";
    sysfs.addPf(pf, "ibtmns0", 4, ibvf::test::FakePfOptions());
    sysfs.addVf(pf, 0, vf, ibvf::test::FakeVfOptions());
    ibvf::dp::DeviceRecord r;
    r.id = vf;
    r.pciAddress = vf;
    r.pfPciAddress = pf;
    r.vfIndex = 0;
    ibvf::dp::DeviceInventory inventory;
    inventory.publish({ibvf::dp::InventoryPool{"rdma/vhca", ibvf::dp::PoolMode::Sriov, {ibvf::dp::InventoryDevice{r, true}}}});
    TempDir dir;
    const ibvf::dp::AllocationPaths paths{dir.path() / "devinfo", dir.path() / "allocations"};
    ibvf::linux::RdmaPortCounterCache rdma{ibvf::linux::Sysfs(sysfs.root())};
    const auto read = [&](const ibvf::dp::VfPlacement& placement, ibvf::dp::ReadErrors& errors) {
        auto vfs = ibvf::dp::readVfs(*inventory.snapshot(), {}, {{vf, placement}}, ibvf::linux::Sysfs(sysfs.root()), rdma, paths, errors);
        REQUIRE(vfs.size() == 1);
        return vfs[0];
    };

    // ADD recorded the pod's namespace and its inode; its "lo" stands for the VF netdev.
    auto pod = std::make_unique<ScopedNetns>();
    const std::string name = pod->name();
    const ibvf::dp::VfPlacement placement{pod->path(), "lo", "", pod->open().inode()};
    ibvf::dp::ReadErrors fine;
    CHECK(read(placement, fine).netdev);

    // The pod ends; a new namespace is mounted at the same path. The old one is still held here,
    // so the kernel cannot hand its inode number to the new one.
    const auto old = pod->open();
    pod.reset();
    const ScopedNetns reused(name);
    REQUIRE(reused.path() == placement.netnsPath);
    REQUIRE(reused.open().inode() != placement.netnsInode);
    ibvf::dp::ReadErrors errors;
    CHECK_FALSE(read(placement, errors).netdev);  // not the new namespace's "lo"
    std::vector<ibvf::metrics::Family> out;
    errors.collect(out);
    const std::string text = ibvf::metrics::renderText(out);
    CHECK_MESSAGE(text.find("ibvf_metrics_read_errors_total{source=\"netdev\",reason=\"namespace_gone\"} 1\n") != std::string::npos, text);
}
