// ibvf-bench-deviceplugin [--runs N]: discovery of 4 PFs x 128 VFs (each VF with an RDMA device and
// its char devices) over a fake sysfs tree, median and p90 of N runs (default 50); then the
// daemon on the same tree: spawn to the first complete ListAndWatch list, and its VmRSS/VmHWM;
// kubelet's calls on the pod-start path against it (Allocate p50/p99 and GetPreferredAllocation
// p50/p99 with every VF advertised); then the daemon again with --metrics-address: N scrapes of
// /metrics (every VF with RDMA port counters, state and hw_counters files, and a netdev name),
// median and p90, the daemon's CPU time (user + system) per scrape, and the RSS the endpoint adds;
// with the default config, with one thread reading the counter files, and with the files kept
// open, the three daemons scraped in turn, each by a client that keeps its buffer. Targets:
// discovery under 50 ms, plugin RSS under 15 MB; a scrape of 512 VFs under 50 ms, under 5 MB RSS
// added by the endpoint.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "CommandLine.hpp"
#include "DevicePluginLab.hpp"
#include "deviceplugin/Discovery.hpp"
#include "support/FakeSysfs.hpp"
#include "support/HttpGet.hpp"
#include "support/LoopbackSocket.hpp"

using namespace ibvf;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr unsigned kPfs = 4;
constexpr unsigned kVfsPerPf = 128;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

std::string statusField(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 1);
    return "?";
}

long statusKb(pid_t pid, const std::string& key) { return std::atol(statusField(pid, key).c_str()); }

// user + system CPU time of `pid` so far, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks).
double cpuMs(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The port files of a mlx5 VF's RDMA device: state, the PMA counters and a few hw_counters.
void addPortFiles(test::FakeSysfs& sysfs, const std::string& rdma) {
    sysfs.setRdmaPortFile(rdma, 1, "state", "4: ACTIVE");
    sysfs.setRdmaPortFile(rdma, 1, "phys_state", "5: LinkUp");
    sysfs.setRdmaPortFile(rdma, 1, "link_layer", "InfiniBand");
    for (const char* c : {"port_xmit_data", "port_rcv_data", "port_xmit_packets", "port_rcv_packets", "port_rcv_errors",
                          "port_xmit_discards", "link_downed", "symbol_error", "port_xmit_wait", "port_rcv_remote_physical_errors",
                          "port_rcv_switch_relay_errors", "local_link_integrity_errors", "excessive_buffer_overrun_errors", "VL15_dropped",
                          "port_rcv_constraint_errors", "port_xmit_constraint_errors"})
        sysfs.setRdmaPortFile(rdma, 1, std::string("counters/") + c, "123456789");
    for (const char* c :
         {"out_of_buffer", "out_of_sequence", "duplicate_request", "rnr_nak_retry_err", "packet_seq_err", "implied_nak_seq_err",
          "local_ack_timeout_err", "resp_local_length_error", "rx_write_requests", "rx_read_requests", "rx_atomic_requests", "lifespan"})
        sysfs.setRdmaPortFile(rdma, 1, std::string("hw_counters/") + c, "42");
}

// kubelet's calls on the pod-start path, against the daemon serving every VF: Allocate of one VF
// (a different one each time) and GetPreferredAllocation of one out of all of them. Each reply is
// checked, so a failing call cannot pass for a fast one.
constexpr int kPodStartCalls = 200;

bool podStartCalls(test::dp::PluginClient& client, const v1beta1::ListAndWatchResponse& list, int calls) {
    std::vector<double> allocate;
    std::vector<double> preferred;
    for (int i = 0; i < calls; ++i) {
        const std::string& id = list.devices(i % list.devices_size()).id();
        grpc::ClientContext ctx;
        v1beta1::AllocateRequest req;
        req.add_container_requests()->add_devices_ids(id);
        v1beta1::AllocateResponse resp;
        const auto t0 = Clock::now();
        const auto status = client.stub().Allocate(&ctx, req, &resp);
        allocate.push_back(ms(Clock::now() - t0));
        if (!status.ok() || resp.container_responses_size() != 1) {
            std::fprintf(stderr, "Allocate of %s failed: %s\n", id.c_str(), status.error_message().c_str());
            return false;
        }
    }
    for (int i = 0; i < calls; ++i) {
        grpc::ClientContext ctx;
        v1beta1::PreferredAllocationRequest req;
        auto* cr = req.add_container_requests();
        for (const auto& d : list.devices()) cr->add_available_deviceids(d.id());
        cr->set_allocation_size(1);
        v1beta1::PreferredAllocationResponse resp;
        const auto t0 = Clock::now();
        const auto status = client.stub().GetPreferredAllocation(&ctx, req, &resp);
        preferred.push_back(ms(Clock::now() - t0));
        if (!status.ok() || resp.container_responses_size() != 1 || resp.container_responses(0).deviceids_size() != 1) {
            std::fprintf(stderr, "GetPreferredAllocation failed: %s\n", status.error_message().c_str());
            return false;
        }
    }
    std::printf(
        "pod start, %d devices advertised: Allocate of one VF p50 %.2f ms, p99 %.2f ms; GetPreferredAllocation of 1 of %d "
        "p50 %.2f ms, p99 %.2f ms (%d calls each)\n",
        list.devices_size(), percentile(allocate, 0.5), percentile(allocate, 0.99), list.devices_size(), percentile(preferred, 0.5),
        percentile(preferred, 0.99), calls);
    return true;
}

constexpr const char* kUsage =
    "usage: ibvf-bench-deviceplugin [--runs N]\n"
    "Discovery of 512 VFs over a fake sysfs tree, then the device plugin serving them: start-up, kubelet's\n"
    "calls, and N scrapes of /metrics (default 50) in three configurations side by side. Needs root.\n";

}  // namespace

int main(int argc, char** argv) try {
    int runs = 50;
    if (!bench::parseCommandLine(argc, argv, {bench::intOption("--runs", runs, 1)})) {
        std::printf("%s", kUsage);
        return 0;
    }
    test::FakeSysfs sysfs;
    std::string pfList;
    for (unsigned p = 0; p < kPfs; ++p) {
        const std::string pfName = "ibbench" + std::to_string(p);
        sysfs.addPf(test::dp::pfAddress(p), pfName, kVfsPerPf,
                    test::FakePfOptions().withRdma("mlx5_" + std::to_string(p)).withNumaNode(static_cast<int>(p / 2)));
        for (unsigned i = 0; i < kVfsPerPf; ++i) {
            const unsigned n = kPfs + p * kVfsPerPf + i;
            const std::string rdma = "mlx5_" + std::to_string(n);
            sysfs.addVf(test::dp::pfAddress(p), i, test::dp::vfAddress(p, i),
                        test::FakeVfOptions().withRdma(rdma).withNetdev("ibbvf" + std::to_string(n)));
            sysfs.addRdmaCharDevices(rdma, n, n);
            addPortFiles(sysfs, rdma);
        }
        pfList += (p == 0 ? "\"" : ",\"") + pfName + "\"";
    }
    const std::string configJson = R"({"mode":"sriov","pfNetdevices":[)" + pfList + "]}";
    const dp::Config config = dp::parseConfig(configJson);
    const linux::Sysfs view(sysfs.root());

    std::vector<double> samples;
    std::size_t devices = 0;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        const auto pools = dp::discover(config, view);
        samples.push_back(ms(Clock::now() - t0));
        devices = pools.at(0).devices.size();
    }
    std::printf("discovery %u PFs x %u VFs: %zu devices, median %.2f ms, p90 %.2f ms, min %.2f ms (%d runs)\n", kPfs, kVfsPerPf, devices,
                percentile(samples, 0.5), percentile(samples, 0.9), percentile(samples, 0.0), runs);

    test::dp::TempDir dir;
    const auto kubeletDir = dir.path() / "device-plugins";
    std::filesystem::create_directories(kubeletDir);
    { std::ofstream(dir.path() / "config.json") << configJson; }
    const auto t0 = Clock::now();
    test::dp::DaemonProcess daemon(
        {"--config", (dir.path() / "config.json").string()},
        {"IBVF_SYSFS_ROOT=" + sysfs.root().string(), "IBVF_KUBELET_DIR=" + kubeletDir.string(),
         "IBVF_RUN_DIR=" + (dir.path() / "run").string(), "IBVF_DEVINFO_DIR=" + (dir.path() / "devinfo").string()},
        dir.path() / "daemon.log");
    const auto socket = kubeletDir / "ibvf-rdma-vhca.sock";
    if (!test::dp::waitUntil([&] { return std::filesystem::exists(socket); }, 10s)) {
        std::fprintf(stderr, "daemon did not serve %s:\n%s\n", socket.c_str(), daemon.log().c_str());
        return 1;
    }
    test::dp::PluginClient client(socket);
    const auto list = client.waitForList([&](const auto& r) { return static_cast<std::size_t>(r.devices_size()) == devices; }, 10s);
    const double ready = ms(Clock::now() - t0);
    if (!list) {
        std::fprintf(stderr, "no complete list:\n%s\n", daemon.log().c_str());
        return 1;
    }
    std::this_thread::sleep_for(2500ms);  // two refresh rounds, so RSS includes steady state
    std::printf("daemon: spawn to full ListAndWatch (%zu devices) %.1f ms; VmRSS%s, VmHWM%s\n", devices, ready,
                statusField(daemon.pid(), "VmRSS").c_str(), statusField(daemon.pid(), "VmHWM").c_str());
    const long rssWithout = statusKb(daemon.pid(), "VmRSS");
    if (!podStartCalls(client, *list, std::max(runs, kPodStartCalls))) return 1;
    if (daemon.terminate() != std::optional<int>(0)) return 1;

    // The same daemon serving metrics: scrapes, then what the endpoint added to its RSS; with the
    // default config, with the files read by one thread (metricsReadThreads 1), and with the
    // counter files kept open (metricsKeepFilesOpen). The three daemons run side by side (each with
    // its own kubelet and state directories) and are scraped in turn, so that the machine's other
    // load weighs on each alike.
    struct Mode {
        const char* name = "";
        const char* config = "";  // before the rest of configJson
        std::uint16_t port = 0;
        std::unique_ptr<test::dp::DaemonProcess> daemon;
        double idleCpuPerMs = 0;
        double cpu0 = 0;
        std::vector<double> scrapes;
        std::size_t bytes = 0;
        std::size_t series = 0;
        test::HttpReply reply;  // its buffer kept from one scrape to the next, as Prometheus keeps its own
    };
    std::vector<Mode> modes(3);
    modes[0].name = "default";
    modes[0].config = "";
    modes[1].name = "metricsReadThreads 1";
    modes[1].config = "\"metricsReadThreads\":1,";
    modes[2].name = "metricsKeepFilesOpen";
    modes[2].config = "\"metricsKeepFilesOpen\":true,";
    const std::string full = "ibvf_pool_devices{resource=\"rdma/vhca\"} " + std::to_string(devices) + "\n";
    for (std::size_t m = 0; m < modes.size(); ++m) {
        Mode& mode = modes[m];
        const auto home = dir.path() / ("metrics-" + std::to_string(m));
        std::filesystem::create_directories(home / "device-plugins");
        { std::ofstream(home / "config.json") << "{" << mode.config << configJson.substr(1); }
        mode.port = test::LoopbackSocket::open(0).port;
        mode.daemon = std::make_unique<test::dp::DaemonProcess>(
            std::vector<std::string>{"--config", (home / "config.json").string(), "--metrics-address",
                                     "127.0.0.1:" + std::to_string(mode.port)},
            std::vector<std::string>{"IBVF_SYSFS_ROOT=" + sysfs.root().string(), "IBVF_KUBELET_DIR=" + (home / "device-plugins").string(),
                                     "IBVF_RUN_DIR=" + (home / "run").string(), "IBVF_DEVINFO_DIR=" + (home / "devinfo").string()},
            home / "daemon.log");
    }
    for (auto& mode : modes) {
        if (!test::dp::waitUntil(
                [&] {
                    try {
                        return test::httpGet(mode.port, "/metrics").body.find(full) != std::string::npos;
                    } catch (const std::exception&) {
                        return false;
                    }
                },
                10s)) {
            std::fprintf(stderr, "no metrics with %zu devices:\n%s\n", devices, mode.daemon->log().c_str());
            return 1;
        }
    }
    // The daemons' own CPU use while idle (refresh rounds), subtracted from the scrapes' below.
    for (auto& mode : modes) mode.cpu0 = cpuMs(mode.daemon->pid());
    const auto idle0 = Clock::now();
    std::this_thread::sleep_for(2500ms);
    const double idleMs = ms(Clock::now() - idle0);
    for (auto& mode : modes) {
        mode.idleCpuPerMs = (cpuMs(mode.daemon->pid()) - mode.cpu0) / idleMs;
        mode.cpu0 = cpuMs(mode.daemon->pid());
    }
    const auto scrape0 = Clock::now();
    for (int r = 0; r < runs; ++r) {
        for (std::size_t i = 0; i < modes.size(); ++i) {
            Mode& mode = modes[(i + static_cast<std::size_t>(r)) % modes.size()];  // each goes first in turn
            const auto s0 = Clock::now();
            test::httpGetInto(mode.port, "/metrics", mode.reply);
            mode.scrapes.push_back(ms(Clock::now() - s0));
            if (mode.reply.status != 200) return 1;
            mode.bytes = mode.reply.body.size();
            mode.series = static_cast<std::size_t>(std::count(mode.reply.body.begin(), mode.reply.body.end(), '\n'));
        }
    }
    const double scrapesWall = ms(Clock::now() - scrape0);
    for (auto& mode : modes) {
        const pid_t pid = mode.daemon->pid();
        const double cpuPerScrape = (cpuMs(pid) - mode.cpu0 - mode.idleCpuPerMs * scrapesWall) / runs;
        const long rssWith = statusKb(pid, "VmRSS");
        std::printf(
            "metrics (%s): scrape of %zu VFs (%zu lines, %zu bytes): median %.2f ms, p90 %.2f ms, min %.2f ms (%d runs); "
            "daemon CPU (user+sys) per scrape %.1f ms; "
            "VmRSS %ld kB with the endpoint after the scrapes vs %ld kB without: %+ld kB; VmHWM%s\n",
            mode.name, devices, mode.series, mode.bytes, percentile(mode.scrapes, 0.5), percentile(mode.scrapes, 0.9),
            percentile(mode.scrapes, 0.0), runs, cpuPerScrape, rssWith, rssWithout, rssWith - rssWithout,
            statusField(pid, "VmHWM").c_str());
    }
    for (auto& mode : modes)
        if (mode.daemon->terminate() != std::optional<int>(0)) return 1;
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "ibvf-bench-deviceplugin: %s\n", e.what());
    return 2;
}
