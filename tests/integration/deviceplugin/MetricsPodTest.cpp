// Per-VF metrics after a real `ibvf` ADD moved the VF's netdev into a pod: the plugin finds it
// through ibvf's attachment state and reads its counters inside the pod's namespace; a namespace
// path that names another namespace by now (another inode, or another cookie) is not read.
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

namespace {

// One VF in a fake sysfs, read by the scrape with a given placement (what ADD recorded).
class OneVfScrape {
public:
    OneVfScrape() {
        sysfs_.addPf(kPf, "ibtmns0", 4, ibvf::test::FakePfOptions());
        sysfs_.addVf(kPf, 0, kVf, ibvf::test::FakeVfOptions());
        ibvf::dp::DeviceRecord r;
        r.id = kVf;
        r.pciAddress = kVf;
        r.pfPciAddress = kPf;
        r.vfIndex = 0;
        inventory_.publish({ibvf::dp::InventoryPool{"rdma/vhca", ibvf::dp::PoolMode::Sriov, {ibvf::dp::InventoryDevice{r, true}}}});
    }

    ibvf::dp::VfReading read(const ibvf::dp::VfPlacement& placement, ibvf::dp::ReadErrors& errors) {
        auto vfs =
            ibvf::dp::readVfs(*inventory_.snapshot(), {}, {{kVf, placement}}, ibvf::linux::Sysfs(sysfs_.root()), rdma_, paths_, errors);
        REQUIRE(vfs.size() == 1);
        return vfs[0];
    }

private:
    static constexpr const char* kPf = "0000:3b:00.0";
    static constexpr const char* kVf = "0000:3b:00.2";
    ibvf::test::FakeSysfs sysfs_;
    ibvf::dp::DeviceInventory inventory_;
    TempDir dir_;
    const ibvf::dp::AllocationPaths paths_{dir_.path() / "devinfo", dir_.path() / "allocations"};
    ibvf::linux::RdmaPortCounterCache rdma_{ibvf::linux::Sysfs(sysfs_.root())};
};

std::string rendered(const ibvf::dp::ReadErrors& errors) {
    std::vector<ibvf::metrics::Family> out;
    errors.collect(out);
    return ibvf::metrics::renderText(out);
}

const std::string kNamespaceGone = "ibvf_metrics_read_errors_total{source=\"netdev\",reason=\"namespace_gone\"} 1\n";

}  // namespace

TEST_CASE("metrics per VF: a pod's namespace path that names a new namespace is not read as the pod's") {
    OneVfScrape scrape;
    // ADD recorded the pod's namespace, its inode and cookie; its "lo" stands for the VF netdev.
    auto pod = std::make_unique<ScopedNetns>();
    const std::string name = pod->name();
    const ibvf::dp::VfPlacement placement{pod->path(), "lo", "", pod->open().inode(), pod->open().cookie()};
    REQUIRE(placement.netnsCookie != 0);
    ibvf::dp::ReadErrors fine;
    CHECK(scrape.read(placement, fine).netdev);

    // The pod ends; a new namespace is mounted at the same path. The old one is still held here,
    // so the kernel cannot hand its inode number to the new one.
    const auto old = pod->open();
    pod.reset();
    const ScopedNetns reused(name);
    REQUIRE(reused.path() == placement.netnsPath);
    REQUIRE(reused.open().inode() != placement.netnsInode);
    ibvf::dp::ReadErrors errors;
    CHECK_FALSE(scrape.read(placement, errors).netdev);  // not the new namespace's "lo"
    CHECK_MESSAGE(rendered(errors).find(kNamespaceGone) != std::string::npos, rendered(errors));
}

TEST_CASE(
    "metrics per VF: a path whose namespace has the recorded inode but another cookie is not read; without a cookie, the inode decides") {
    OneVfScrape scrape;
    const ScopedNetns pod;
    const auto ns = pod.open();
    // The kernel's inode reuse cannot be forced: the record carries this namespace's inode and a
    // cookie that is not its own, as after the old pod's namespace died and its number was reused.
    const ibvf::dp::VfPlacement recycled{pod.path(), "lo", "", ns.inode(), ns.cookie() + 1};
    ibvf::dp::ReadErrors errors;
    CHECK_FALSE(scrape.read(recycled, errors).netdev);
    CHECK_MESSAGE(rendered(errors).find(kNamespaceGone) != std::string::npos, rendered(errors));

    // State written by an ibvf that recorded no cookie: the inode alone, as before.
    const ibvf::dp::VfPlacement old{pod.path(), "lo", "", ns.inode(), 0};
    ibvf::dp::ReadErrors fine;
    CHECK(scrape.read(old, fine).netdev);
    CHECK_MESSAGE(rendered(fine).find(kNamespaceGone) == std::string::npos, rendered(fine));
}
