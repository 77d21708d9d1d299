// The running ibvf-device-plugin's metrics endpoint and probes (docs/metrics.md).
#include <doctest/doctest.h>

#include "DevicePluginLab.hpp"
#include "MetricsScrape.hpp"
#include "support/HttpGet.hpp"
#include "support/LoopbackSocket.hpp"
#include "support/TimeScale.hpp"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;
using ibvf::test::httpGet;

namespace {

const auto kSoon = ibvf::test::scaled(std::chrono::seconds(8));

std::string scrape(std::uint16_t port) {
    const auto r = httpGet(port, "/metrics");
    REQUIRE(r.status == 200);
    REQUIRE(r.head.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    return r.body;
}

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

// Waits until the scrape holds `line` (a whole sample line).
bool scrapeShows(std::uint16_t port, const std::string& line) {
    return waitUntil(
        [&] {
            try {
                return has(httpGet(port, "/metrics").body, line);
            } catch (const std::exception&) {
                return false;  // not listening yet
            }
        },
        kSoon);
}

// The value of the sample `series` (name and labels exactly as rendered), nullopt when absent.
std::optional<double> valueOf(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(text.substr(at + series.size() + 2));
}

int statusOf(std::uint16_t port, const std::string& path) {
    try {
        return httpGet(port, path).status;
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

TEST_CASE("metrics: pool gauges and counters, Allocate latency, probes, off by default") {
    DevicePluginLab lab(4);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    const std::uint16_t port = freePort();
    auto daemon = lab.startDaemon({"--metrics-address", "127.0.0.1:" + std::to_string(port)});
    REQUIRE_MESSAGE(lab.kubelet().waitForRegistrations(1, kSoon).size() == 1, daemon->log());
    REQUIRE_MESSAGE(waitUntil([&] { return statusOf(port, "/readyz") == 200; }, kSoon), daemon->log());
    CHECK(statusOf(port, "/healthz") == 200);
    CHECK(statusOf(port, "/nothing") == 404);

    const std::string r = "{resource=\"rdma/vhca\"}";
    CHECK_MESSAGE(scrapeShows(port, "ibvf_pool_devices" + r + " 4"), scrape(port));
    std::string text = scrape(port);
    CHECK(has(text, "ibvf_pool_healthy_devices" + r + " 4"));
    CHECK(has(text, "ibvf_pool_allocated_devices" + r + " 0"));
    CHECK(has(text, "ibvf_kubelet_registrations_total" + r + " 1"));
    CHECK(has(text, "ibvf_allocate_duration_seconds_count" + r + " 0"));
    CHECK(text.find("ibvf_discovery_duration_seconds_count ") != std::string::npos);
    CHECK(has(text, "ibvf_records_reclaimed_total{reason=\"vf_vanished\"} 0"));

    PluginClient client(lab.kubeletDir() / "ibvf-rdma-vhca.sock");
    REQUIRE(client.waitForList([](const auto& l) { return l.devices_size() == 4; }, kSoon));
    grpc::ClientContext ctx;
    v1beta1::AllocateRequest req;
    req.add_container_requests()->add_devices_ids(vfAddress(0, 1));
    v1beta1::AllocateResponse resp;
    REQUIRE(client.stub().Allocate(&ctx, req, &resp).ok());
    grpc::ClientContext ctx2;
    v1beta1::AllocateRequest bad;
    bad.add_container_requests()->add_devices_ids("0000:99:00.1");
    CHECK_FALSE(client.stub().Allocate(&ctx2, bad, &resp).ok());
    text = scrape(port);
    CHECK(has(text, "ibvf_allocate_duration_seconds_count" + r + " 2"));
    CHECK(has(text, "ibvf_allocate_duration_seconds_bucket{resource=\"rdma/vhca\",le=\"+Inf\"} 2"));
    CHECK(has(text, "ibvf_allocate_failures_total" + r + " 1"));
    CHECK(has(text, "ibvf_pool_allocated_devices" + r + " 1"));
    CHECK(text.find("ibvf_list_and_watch_updates_total" + r + " ") != std::string::npos);
    CHECK_FALSE(has(text, "ibvf_list_and_watch_updates_total" + r + " 0"));

    // The PF's link goes down: every VF unhealthy, and the gauge says so.
    setLinkUp(lab.pfNetdev(), false);
    CHECK_MESSAGE(scrapeShows(port, "ibvf_pool_healthy_devices" + r + " 0"), scrape(port));

    // kubelet restarts: the new registration is counted.
    lab.restartKubelet();
    CHECK_MESSAGE(waitUntil([&] { return valueOf(scrape(port), "ibvf_kubelet_registrations_total" + r).value_or(0) >= 2; }, kSoon),
                  daemon->log());
    CHECK(daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("metrics: /readyz is 503 until kubelet registered the pool, /healthz 200 meanwhile") {
    DevicePluginLab lab(2);
    lab.kubelet().stop();
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("],"metricsAddress":"127.0.0.1:)" +
                    std::to_string(freePort()) + "\"}");
    auto daemon = lab.startDaemon();
    // The port from the config file; read it back from the log line.
    REQUIRE_MESSAGE(waitUntil([&] { return daemon->log().find("serving metrics on http://127.0.0.1:") != std::string::npos; }, kSoon),
                    daemon->log());
    const std::string log = daemon->log();
    const auto at = log.find("serving metrics on http://127.0.0.1:") + std::string("serving metrics on http://127.0.0.1:").size();
    const auto port = static_cast<std::uint16_t>(std::stoi(log.substr(at)));
    REQUIRE(waitUntil([&] { return statusOf(port, "/healthz") == 200; }, kSoon));
    // First "not serving its socket" while the pool starts (long enough to see under ASan), then
    // "not registered" for as long as kubelet is away.
    CHECK(httpGet(port, "/readyz").status == 503);
    CHECK_MESSAGE(waitUntil(
                      [&] {
                          const auto notReady = httpGet(port, "/readyz");
                          return notReady.status == 503 &&
                                 notReady.body.find("rdma/vhca: not registered with kubelet") != std::string::npos;
                      },
                      kSoon),
                  httpGet(port, "/readyz").body);
    lab.restartKubelet();
    CHECK_MESSAGE(waitUntil([&] { return statusOf(port, "/readyz") == 200; }, kSoon), daemon->log());
    CHECK(daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("metrics: a bad --metrics-address is refused at start, and without an address nothing listens") {
    DevicePluginLab lab(1);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto bad = lab.startDaemon({"--metrics-address", "localhost:9101"});
    CHECK(bad->waitExit(kSoon) == std::optional<int>(2));
    CHECK(bad->log().find("is not an IP address") != std::string::npos);

    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("],"metricsAddress":"9101"})");
    auto badConfig = lab.startDaemon();
    CHECK(badConfig->waitExit(kSoon) == std::optional<int>(2));
    CHECK(badConfig->log().find("metricsAddress: metrics address '9101' has no port") != std::string::npos);

    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto off = lab.startDaemon();
    REQUIRE(lab.kubelet().waitForRegistrations(1, kSoon).size() == 1);
    CHECK(off->log().find("serving metrics") == std::string::npos);
    CHECK(off->terminate() == std::optional<int>(0));
}
