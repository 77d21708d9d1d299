// Per-VF metrics of the running ibvf-device-plugin: a veth end as VF 0's netdev whose counters
// move with traffic, pod labels from kubelet's pod-resources API, RDMA port counters from the fake
// sysfs, a slow client that blocks nobody, and a real Prometheus (Debian's) scraping it all.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>

#include "DevicePluginLab.hpp"
#include "MetricsScrape.hpp"
#include "linux/Fd.hpp"
#include "support/HttpGet.hpp"
#include "support/LoopbackSocket.hpp"
#include "support/TimeScale.hpp"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;
using ibvf::test::httpGet;
using ibvf::test::uniqueName;
using ibvf::test::VethPair;

namespace {

const auto kSoon = ibvf::test::scaled(std::chrono::seconds(8));

std::string urlEncode(const std::string& s) {
    std::string out;
    for (const unsigned char c : s) {
        if (std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

// The IbvfAllocatedVfPortDown expression as the shipped alert file has it.
std::string portDownAlertExpr() {
    std::ifstream in(fs::path(IBVF_SOURCE_DIR) / "install/kubernetes/device-plugin-alerts.yaml");
    std::string line;
    bool inRule = false;
    while (std::getline(in, line)) {
        if (line.find("alert: IbvfAllocatedVfPortDown") != std::string::npos) inRule = true;
        const auto at = line.find("expr: ");
        if (inRule && at != std::string::npos) return line.substr(at + 6);
    }
    return {};
}

// VF 0 ("mlx5_1") gets a veth end as its netdev and port files; the lab's PF veth stays the PF.
struct VfLab {
    DevicePluginLab lab{2};
    VethPair vf0;
    std::uint16_t port = freePort();
    std::unique_ptr<FakePodResources> kubelet;
    std::unique_ptr<DaemonProcess> daemon;

    VfLab() : vf0(uniqueName("ibtvf"), uniqueName("ibtvp")) {
        lab.sysfs().setVfNetdev(vfAddress(0, 0), vf0.a());
        for (const auto& [file, value] : std::map<std::string, std::string>{{"state", "4: ACTIVE"},
                                                                            {"phys_state", "5: LinkUp"},
                                                                            {"link_layer", "InfiniBand"},
                                                                            {"counters/port_xmit_data", "1000"},
                                                                            {"counters/port_rcv_data", "2000"},
                                                                            {"counters/symbol_error", "0"},
                                                                            {"hw_counters/out_of_buffer", "7"}})
            lab.sysfs().setRdmaPortFile("mlx5_1", 1, file, value);
        setLinkUp(vf0.a(), true);
        setLinkUp(vf0.b(), true);
        kubelet = std::make_unique<FakePodResources>(lab.podResourcesSocket());
        lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
        daemon = lab.startDaemon({"--metrics-address", "127.0.0.1:" + std::to_string(port), "--reclaim-interval", "1"});
        REQUIRE_MESSAGE(lab.kubelet().waitForRegistrations(1, kSoon).size() == 1, daemon->log());
    }
};

const std::string kVf0 = R"(ibvf_vf_netdev_receive_bytes_total{resource="rdma/vhca",vf="0000:3b:01.0",pf=")";

}  // namespace

TEST_CASE("metrics per VF: veth counters move with traffic, pod labels while held, RDMA counters from sysfs") {
    VfLab v;
    std::string text;
    REQUIRE_MESSAGE(waitUntil([&] { return sampleStartingWith(text = scrapeOrEmpty(v.port), kVf0).has_value(); }, kSoon), text);
    const double before = *sampleStartingWith(text, kVf0);
    sendFrames(v.vf0.b(), 50, 200);  // the peer sends: VF 0's netdev receives
    CHECK_MESSAGE(waitUntil([&] { return sampleStartingWith(scrapeOrEmpty(v.port), kVf0).value_or(0) >= before + 50 * 200; }, kSoon),
                  scrapeOrEmpty(v.port));
    text = scrapeOrEmpty(v.port);
    const std::string labels =
        R"({resource="rdma/vhca",vf="0000:3b:01.0",pf=")" + v.lab.pfNetdev() + R"(",vf_index="0",numa_node="1",rdma_device="mlx5_1"})";
    CHECK(sampleStartingWith(text, "ibvf_vf_netdev_receive_packets_total" + labels + " ").value_or(0) >= 50);
    CHECK(sampleStartingWith(text, "ibvf_vf_port_transmit_data_bytes_total" + labels.substr(0, labels.size() - 1) + ",port=\"1\"} ") ==
          4000);
    CHECK(sampleStartingWith(text, "ibvf_vf_port_state" + labels.substr(0, labels.size() - 1) + ",port=\"1\"} ") == 4);
    CHECK(sampleStartingWith(text, "ibvf_vf_port_hw_counter_total" + labels.substr(0, labels.size() - 1) +
                                       ",port=\"1\",counter=\"out_of_buffer\"} ") == 7);
    CHECK(sampleStartingWith(text, "ibvf_vf_healthy" + labels + " ") == 1);
    // VF 1 has no netdev: no netdev series, but its identity is there.
    CHECK(text.find("ibvf_vf_netdev_receive_bytes_total{resource=\"rdma/vhca\",vf=\"0000:3b:01.1\"") == std::string::npos);
    CHECK(text.find("ibvf_vf_info{resource=\"rdma/vhca\",vf=\"0000:3b:01.1\"") != std::string::npos);

    // kubelet lists VF 0 in a container: its series carry the pod, at the next pod-resources round.
    v.kubelet->setPods({{"trainer-0", {vfAddress(0, 0)}}});
    const std::string held = labels.substr(0, labels.size() - 1) + R"(,pod_namespace="default",pod="trainer-0",container="main"})";
    CHECK_MESSAGE(waitUntil([&] { return sampleStartingWith(scrapeOrEmpty(v.port), "ibvf_vf_info" + held + " ").has_value(); }, kSoon),
                  scrapeOrEmpty(v.port));
    text = scrapeOrEmpty(v.port);
    CHECK(sampleStartingWith(text, "ibvf_vf_netdev_receive_bytes_total" + held + " ").value_or(0) >= before + 50 * 200);
    // ...and lose it once the pod is gone.
    v.kubelet->setPods({});
    CHECK(waitUntil([&] { return sampleStartingWith(scrapeOrEmpty(v.port), "ibvf_vf_info" + labels + " ").has_value(); }, kSoon));
    CHECK(v.daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("metrics per VF: a silent client and an unreadable counter fail neither the scrape nor the plugin") {
    VfLab v;
    v.lab.sysfs().setRdmaPortFile("mlx5_1", 1, "counters/port_rcv_data", "garbage");
    REQUIRE(waitUntil([&] { return !scrapeOrEmpty(v.port).empty(); }, kSoon));
    // Ten clients connect and never send a byte.
    std::vector<ibvf::linux::Fd> silent;
    for (int i = 0; i < 10; ++i) {
        ibvf::linux::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const sockaddr_in a = ibvf::test::LoopbackSocket::address(v.port);
        REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
        silent.push_back(std::move(fd));
    }
    const auto start = std::chrono::steady_clock::now();
    const auto reply = httpGet(v.port, "/metrics");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    CHECK(reply.status == 200);
    const std::string labels = R"({resource="rdma/vhca",vf="0000:3b:01.0",pf=")" + v.lab.pfNetdev() +
                               R"(",vf_index="0",numa_node="1",rdma_device="mlx5_1",port="1"} )";
    CHECK(reply.body.find("ibvf_vf_port_receive_data_bytes_total" + labels) == std::string::npos);
    CHECK(sampleStartingWith(reply.body, "ibvf_vf_port_transmit_data_bytes_total" + labels) == 4000);
    CHECK(sampleStartingWith(reply.body, R"(ibvf_metrics_read_errors_total{source="rdma",reason="unreadable"} )").value_or(0) >= 1);
    // Allocate is answered meanwhile, and the plugin is still live.
    PluginClient client(v.lab.kubeletDir() / "ibvf-rdma-vhca.sock");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1beta1::AllocateRequest req;
    req.add_container_requests()->add_devices_ids(vfAddress(0, 1));
    v1beta1::AllocateResponse resp;
    CHECK(client.stub().Allocate(&ctx, req, &resp).ok());
    CHECK(httpGet(v.port, "/healthz").status == 200);
    CHECK(v.daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("a real Prometheus scrapes the plugin and answers for a VF's series with its pod labels") {
    const char* prometheus = "/usr/bin/prometheus";
    if (::access(prometheus, X_OK) != 0) {
        MESSAGE("SKIPPED: /usr/bin/prometheus is not installed (install/deps.sh installs Debian's prometheus)");
        return;
    }
    VfLab v;
    v.kubelet->setPods({{"trainer-0", {vfAddress(0, 0)}}});
    TempDir dir;
    const std::uint16_t promPort = freePort();
    std::ofstream(dir.path() / "prometheus.yml") << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                                                 << "scrape_configs:\n  - job_name: ibvf\n    static_configs:\n"
                                                 << "      - targets: ['127.0.0.1:" << v.port << "']\n";
    DaemonProcess prom(
        {"--config.file=" + (dir.path() / "prometheus.yml").string(), "--storage.tsdb.path=" + (dir.path() / "data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(promPort)},
        {"PATH=/usr/bin:/bin", "HOME=" + dir.path().string()}, dir.path() / "prometheus.log", prometheus);
    auto query = [&](const std::string& expr) -> rapidjson::Document {
        rapidjson::Document doc;
        try {
            const auto r = httpGet(promPort, "/api/v1/query?query=" + urlEncode(expr));
            doc.Parse(r.body.c_str());
        } catch (const std::exception&) {
            doc.SetObject();
        }
        return doc;
    };
    auto resultCount = [&](const rapidjson::Document& doc) -> rapidjson::SizeType {
        if (!doc.IsObject() || !doc.HasMember("data") || !doc["data"].HasMember("result")) return 0;
        return doc["data"]["result"].Size();
    };
    const std::string series = R"(ibvf_vf_netdev_receive_bytes_total{vf="0000:3b:01.0",pod="trainer-0"})";
    const bool found = waitUntil([&] { return resultCount(query(series)) == 1; }, ibvf::test::scaled(std::chrono::seconds(15)));
    const std::string targets = [&] {
        try {
            return httpGet(promPort, "/api/v1/targets").body;
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    }();
    REQUIRE_MESSAGE(found, prom.log() << "\ntargets: " << targets);
    const auto doc = query(series);
    const auto& metric = doc["data"]["result"][0]["metric"];
    CHECK(std::string(metric["pod_namespace"].GetString()) == "default");
    CHECK(std::string(metric["container"].GetString()) == "main");
    CHECK(std::string(metric["rdma_device"].GetString()) == "mlx5_1");
    CHECK(std::string(metric["job"].GetString()) == "ibvf");

    // The shipped alert's expression finds the allocated VF once its port goes down.
    const std::string expr = portDownAlertExpr();
    REQUIRE(!expr.empty());
    CHECK(resultCount(query(expr)) == 0);
    v.lab.sysfs().setRdmaPortFile("mlx5_1", 1, "state", "1: DOWN");
    CHECK_MESSAGE(waitUntil([&] { return resultCount(query(expr)) == 1; }, ibvf::test::scaled(std::chrono::seconds(8))), expr);
    CHECK(prom.terminate() == std::optional<int>(0));
    CHECK(v.daemon->terminate() == std::optional<int>(0));
}
