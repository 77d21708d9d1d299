// Per-VF metrics after a real `ibvf` ADD moved the VF's netdev into a pod: the plugin finds it
// through ibvf's attachment state and reads its counters inside the pod's namespace.
#include <doctest/doctest.h>

#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include "DevicePluginLab.hpp"
#include "integration/plugin/PluginLab.hpp"
#include "linux/Fd.hpp"
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

std::optional<double> sample(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
    return std::nullopt;
}

std::string scrape(std::uint16_t port) {
    try {
        return httpGet(port, "/metrics").body;
    } catch (const std::exception&) {
        return {};
    }
}

// Broadcast frames out of `ifname` in this namespace.
void sendFrames(const std::string& ifname, int count, std::size_t size) {
    ibvf::kernel::Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    REQUIRE(fd);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
    to.sll_halen = 6;
    REQUIRE(to.sll_ifindex > 0);
    std::string frame(size, '\0');
    for (std::size_t i = 0; i < 6; ++i) frame[i] = '\xff';
    frame[6] = '\x02';
    frame[12] = '\x88';
    frame[13] = '\xb5';
    for (int i = 0; i < count; ++i)
        REQUIRE(::sendto(fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
                static_cast<ssize_t>(size));
}

}  // namespace

TEST_CASE("metrics per VF: after an ADD the VF's netdev is read inside the pod's namespace") {
    PluginLab node(1);
    ScopedNetns pod;
    node.veth(0).alsoSearch(pod.path());
    setLinkUp(node.veth(0).b(), true);
    TempDir dir;
    FakeKubelet kubelet(dir.path() / "device-plugins");
    std::ofstream(dir.path() / "config.json") << R"({"mode":"sriov","pfNetdevices":[")" << node.pfNetdev() << R"("]})";
    const std::uint16_t port = ibvf::test::LoopbackSocket::open(0).port;
    DaemonProcess daemon({"--config", (dir.path() / "config.json").string(), "--metrics-address",
                          "127.0.0.1:" + std::to_string(port)},
                         {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IBVF_SYSFS_ROOT=" + node.sysfs().root().string(),
                          "IBVF_KUBELET_DIR=" + (dir.path() / "device-plugins").string(),
                          "IBVF_STATE_DIR=" + (node.stateDir() / "state").string(),
                          "IBVF_RUN_DIR=" + (node.stateDir() / "run").string(),
                          "IBVF_DEVINFO_DIR=" + (dir.path() / "devinfo").string(),
                          "IBVF_CDI_DIR=" + (dir.path() / "cdi").string()},
                         dir.path() / "daemon.log");
    REQUIRE_MESSAGE(kubelet.waitForRegistrations(1, kSoon).size() == 1, daemon.log());

    const std::string conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    const auto add = node.run("ADD", "cid-metrics", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    REQUIRE(linkExistsIn(pod.path(), "net1"));

    const std::string series = "ibvf_vf_netdev_receive_bytes_total{resource=\"rdma/vhca\",vf=\"" + vfPci(0) + "\"";
    std::string text;
    REQUIRE_MESSAGE(waitUntil([&] { return sample(text = scrape(port), series).has_value(); }, kSoon), text << daemon.log());
    const double before = *sample(text, series);
    sendFrames(node.veth(0).b(), 40, 300);  // the host end sends; net1 in the pod receives
    CHECK_MESSAGE(waitUntil([&] { return sample(scrape(port), series).value_or(0) >= before + 40 * 300; }, kSoon), scrape(port));
    CHECK(scrape(port).find("source=\"netdev\"") == std::string::npos);  // no read error on the way

    // After DEL the netdev is back on the host, and read there: the counters keep counting.
    CHECK(node.run("DEL", "cid-metrics", pod.path(), conf).exitCode == 0);
    CHECK(waitUntil([&] { return sample(scrape(port), series).value_or(0) >= before + 40 * 300; }, kSoon));
    CHECK(daemon.terminate() == std::optional<int>(0));
}
