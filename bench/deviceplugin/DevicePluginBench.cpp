// ibvf-bench-deviceplugin [runs]: discovery of 4 PFs x 128 VFs (each VF with an RDMA device and
// its char devices) over a fake sysfs tree, median and p90 of `runs` (default 50); then the
// daemon on the same tree: spawn to the first complete ListAndWatch list, and its VmRSS/VmHWM.
// Target (issue 5): discovery under 50 ms, plugin RSS under 15 MB.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "DevicePluginLab.hpp"
#include "deviceplugin/Discovery.hpp"
#include "support/FakeSysfs.hpp"

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

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 50;
    test::FakeSysfs sysfs;
    std::string pfList;
    for (unsigned p = 0; p < kPfs; ++p) {
        const std::string pfName = "ibbench" + std::to_string(p);
        sysfs.addPf(test::dp::pfAddress(p), pfName, kVfsPerPf,
                    test::FakePfOptions().withRdma("mlx5_" + std::to_string(p)).withNumaNode(static_cast<int>(p / 2)));
        for (unsigned i = 0; i < kVfsPerPf; ++i) {
            const unsigned n = kPfs + p * kVfsPerPf + i;
            const std::string rdma = "mlx5_" + std::to_string(n);
            sysfs.addVf(test::dp::pfAddress(p), i, test::dp::vfAddress(p, i), test::FakeVfOptions().withRdma(rdma));
            sysfs.addRdmaCharDevices(rdma, n, n);
        }
        pfList += (p == 0 ? "\"" : ",\"") + pfName + "\"";
    }
    const std::string configJson = R"({"mode":"sriov","pfNetdevices":[)" + pfList + "]}";
    const dp::Config config = dp::parseConfig(configJson);
    const kernel::Sysfs view(sysfs.root());

    std::vector<double> samples;
    std::size_t devices = 0;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        const auto pools = dp::discover(config, view);
        samples.push_back(ms(Clock::now() - t0));
        devices = pools.at(0).devices.size();
    }
    std::printf("discovery %u PFs x %u VFs: %zu devices, median %.2f ms, p90 %.2f ms, min %.2f ms (%d runs)\n", kPfs,
                kVfsPerPf, devices, percentile(samples, 0.5), percentile(samples, 0.9), percentile(samples, 0.0), runs);

    test::dp::TempDir dir;
    const auto kubeletDir = dir.path() / "device-plugins";
    std::filesystem::create_directories(kubeletDir);
    { std::ofstream(dir.path() / "config.json") << configJson; }
    const auto t0 = Clock::now();
    test::dp::DaemonProcess daemon({"--config", (dir.path() / "config.json").string()},
                                   {"IBVF_SYSFS_ROOT=" + sysfs.root().string(), "IBVF_KUBELET_DIR=" + kubeletDir.string(),
                                    "IBVF_RUN_DIR=" + (dir.path() / "run").string(),
                                    "IBVF_DEVINFO_DIR=" + (dir.path() / "devinfo").string()},
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
    const auto code = daemon.terminate();
    return code == std::optional<int>(0) ? 0 : 1;
}
