// ibvf under a real container runtime: podman (CNI backend) runs busybox containers on a conflist
// that uses ibvf with the bundled IPAM and stand-in VFs (veth ends registered as VFs of a PF in a
// fake sysfs tree). The containers see the VF with its address; when they exit the VF is back on
// the host under its own name and the lease is released; three containers at once get three
// different VFs of one PF through pfNetdevice.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "PodmanLab.hpp"
#include "integration/plugin/PluginLab.hpp"

namespace fs = std::filesystem;
using ibvf::test::PluginLab;
using ibvf::test::PodmanLab;

namespace {

constexpr const char* kNetwork = "ibvf-e2e";

std::string conflist(const PluginLab& lab) {
    // cniVersion 1.0.0: the newest Debian's podman 4.3 (libcni 1.1) speaks.
    return R"({"cniVersion":"1.0.0","name":")" + std::string(kNetwork) + R"(","plugins":[{"type":"ibvf","pfNetdevice":")" + lab.pfNetdev() +
           R"(","ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.77.0.0/24","gateway":"10.77.0.1"}]]}}]})";
}

std::string hostMacOf(const std::string& ifname) {
    std::ifstream in("/sys/class/net/" + ifname + "/address");
    std::string mac;
    std::getline(in, mac);
    return mac;
}

// The plugin's per-network lease files (one per address handed out).
std::size_t leaseCount(const PluginLab& lab) { return ibvf::test::countEntries(lab.leasesDir(kNetwork) / "leases"); }

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

struct Node {
    PluginLab lab;
    PodmanLab podman;
    explicit Node(unsigned vfs) : lab(vfs), podman(nodeEnv(lab)) {
        podman.installCniBinaries();
        podman.addNetwork(kNetwork, conflist(lab));
        podman.importBusybox();
    }
    static std::map<std::string, std::string> nodeEnv(const PluginLab& lab) {
        std::map<std::string, std::string> env;
        for (const auto& [k, v] : lab.env("ADD", "", ""))
            if (k.rfind("IBVF_", 0) == 0) env[k] = v;
        return env;
    }
    std::vector<std::string> runArgs(const std::string& name, const std::string& script) const {
        return {"run",     "--rm", "--pull", "never", "--name", name, "--network", kNetwork, ibvf::test::kBusyboxImage,
                "/bin/sh", "-c",   script};
    }
};

}  // namespace

TEST_CASE("podman: a container gets the VF with its address; on exit the VF and the lease come back") {
    Node node(1);
    const std::string vf = node.lab.vfNetdev(0);
    const std::string vfMac = hostMacOf(vf);
    REQUIRE(!vfMac.empty());

    const auto r = node.podman.run(
        node.runArgs(ibvf::test::uniqueName("ibvfc"), "ip -o -4 addr show dev eth0; cat /sys/class/net/eth0/address; ls /sys/class/net"));
    INFO("podman run: " << ibvf::test::describe(r));
    REQUIRE(r.exitCode == 0);
    // Inside: eth0 is the VF (its hardware address), with the first address of the range.
    CHECK(r.out.find("inet 10.77.0.2/24") != std::string::npos);
    CHECK(r.out.find(vfMac) != std::string::npos);

    // After: the VF is back on the host under its own name, the lease and the attachment are gone.
    CHECK(eventually([&] { return ibvf::test::linkExistsIn("", vf); }));
    CHECK(hostMacOf(vf) == vfMac);
    CHECK(leaseCount(node.lab) == 0);
    CHECK(node.lab.attachmentFiles().empty());
}

TEST_CASE("podman: three containers at once get three different VFs of the PF") {
    Node node(3);
    std::map<std::string, std::string> vfByMac;
    for (unsigned i = 0; i < 3; ++i) vfByMac[hostMacOf(node.lab.vfNetdev(i))] = node.lab.vfNetdev(i);
    REQUIRE(vfByMac.size() == 3);

    // Each prints what it got, then waits (at most 60 s) for the test to release it, so all three
    // hold their VF together and then exit on their own, their output complete.
    const std::string script =
        "cat /sys/class/net/eth0/address; ip -o -4 addr show dev eth0; i=0; "
        "while [ ! -e /tmp/release ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done";
    std::vector<std::string> names;
    std::vector<ibvf::linux::ChildProcess> runs;
    for (int i = 0; i < 3; ++i) {
        names.push_back(ibvf::test::uniqueName("ibvfc"));
        runs.push_back(node.podman.start(node.runArgs(names.back(), script)));
    }
    const bool allAttached = eventually([&] {
        return std::none_of(vfByMac.begin(), vfByMac.end(), [](const auto& kv) { return ibvf::test::linkExistsIn("", kv.second); });
    });
    CHECK_MESSAGE(allAttached, "the three VFs were never all in containers at the same time");
    // The lease can land just after the VF leaves the host: ibvf allocates while the kernel moves it.
    if (allAttached) CHECK(eventually([&] { return leaseCount(node.lab) == 3; }));
    // Release them. A container may already be on its way out (podman's --rm removal can win
    // the race with exec): what matters is checked below, each run's exit code and output.
    for (const auto& name : names) {
        const auto released = node.podman.run({"exec", name, "/bin/touch", "/tmp/release"});
        if (released.exitCode != 0) MESSAGE("release of " << name << ": " << ibvf::test::describe(released));
    }

    std::set<std::string> macs;
    std::set<std::string> addresses;
    for (auto& run : runs) {
        const auto r = run.wait();
        INFO("podman run: " << ibvf::test::describe(r));
        CHECK(r.exitCode == 0);
        const auto firstLine = r.out.substr(0, r.out.find('\n'));
        CHECK(vfByMac.count(firstLine) == 1);
        macs.insert(firstLine);
        const auto inet = r.out.find("inet 10.77.0.");
        REQUIRE(inet != std::string::npos);
        addresses.insert(r.out.substr(inet, r.out.find('/', inet) - inet));
    }
    CHECK(macs.size() == 3);
    CHECK(addresses.size() == 3);

    for (const auto& [mac, vf] : vfByMac) {
        INFO("VF " << vf);
        CHECK(eventually([&] { return ibvf::test::linkExistsIn("", vf); }));
        CHECK(hostMacOf(vf) == mac);
    }
    CHECK(eventually([&] { return leaseCount(node.lab) == 0; }));
    CHECK(node.lab.attachmentFiles().empty());
}
