// rdmaIsolation on a real kernel: an rxe device (on its own host veth) is the VF's RDMA device in
// the fake sysfs, the VF's netdev a veth end. The netns mode ibvf reads, the kernel's refusal of
// a driver that cannot change namespace, and the move in and out with the test-only rxe build.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "HardwareNode.hpp"
#include "LabKernel.hpp"
#include "support/TestNet.hpp"

using namespace ibvf;
using namespace ibvf::labtest;
using test::HostSnapshot;
using test::ScopedNetns;
using test::VethPair;

namespace {

const std::string kIsolated = labConf(R"(,"rdmaIsolation":true)");
const std::string kIsolatedFailing = labConf(R"(,"rdmaIsolation":true)", true);

bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// The VF: its netdev a veth end on the host, its RDMA device the rxe.
struct RdmaVf {
    RxeDevice rxe;
    VethPair vf;
    HardwareNode node;
    explicit RdmaVf(const std::string& module, bool exclusive)
        : rxe(module), node("", 0, test::FakeVfOptions().withNetdev(vf.a()).withRdma(rxe.name())) {
        // Before any pod namespace exists: the kernel refuses the switch otherwise.
        setRdmaNetnsMode(exclusive);
    }
};

}  // namespace

TEST_CASE("rdmaIsolation in shared mode: code 100 with the fix, nothing changed") {
    RdmaVf lab("rdma_rxe", false);
    ScopedNetns pod;
    lab.vf.alsoSearch(pod.path());
    const auto host = HostSnapshot::capture();
    const auto podBefore = HostSnapshot::capture(pod.path());
    const auto r = lab.node.run("ADD", "cid-shared", pod.path(), kIsolated);
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    CHECK(codeOf(r) == 100);
    CHECK_MESSAGE(field(r, "msg").find("exclusive netns mode; this node is in shared mode") != std::string::npos, r.summary());
    CHECK_MESSAGE(field(r, "details").find("rdma system set netns exclusive") != std::string::npos, r.summary());
    CHECK(has(rdmaDevicesIn(), lab.rxe.name()));
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(podBefore == HostSnapshot::capture(pod.path()));
    CHECK(lab.node.leftovers().empty());
}

TEST_CASE("rdmaIsolation in exclusive mode with stock rxe: ADD gets to the move, which the driver cannot do: code 104, all as before") {
    RdmaVf lab("rdma_rxe", true);
    ScopedNetns pod;
    lab.vf.alsoSearch(pod.path());
    const auto host = HostSnapshot::capture();
    const auto podBefore = HostSnapshot::capture(pod.path());
    const auto r = lab.node.run("ADD", "cid-stock", pod.path(), kIsolated);
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    CHECK_MESSAGE(codeOf(r) == 104, r.summary());
    const std::string msg = field(r, "msg");
    CHECK_MESSAGE(msg.find("RDMA device " + lab.rxe.name()) != std::string::npos, r.summary());
    CHECK_MESSAGE(msg.find("cannot change network namespace") != std::string::npos, r.summary());
    CHECK_MESSAGE(field(r, "details").find("disassociate_ucontext") != std::string::npos, r.summary());
    CHECK(has(rdmaDevicesIn(), lab.rxe.name()));
    CHECK(rdmaDevicesIn(pod.path()).empty());
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(podBefore == HostSnapshot::capture(pod.path()));
    CHECK(lab.node.leftovers().empty());
}

TEST_CASE("rdmaIsolation with an rxe that can change namespace: ADD moves it into the pod only, DEL returns it") {
    RdmaVf lab("rdma_rxe_netns", true);
    ScopedNetns pod;
    lab.vf.alsoSearch(pod.path());
    const auto r = lab.node.run("ADD", "cid-move", pod.path(), kIsolated);
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(rdmaDevicesIn(pod.path()) == std::vector<std::string>{lab.rxe.name()});
    CHECK_FALSE(has(rdmaDevicesIn(), lab.rxe.name()));
    CHECK(sysfsRdmaDevicesIn(pod.name()) == std::vector<std::string>{lab.rxe.name()});
    CHECK(test::linkExistsIn(pod.path(), "net1"));

    const auto d = lab.node.run("DEL", "cid-move", pod.path(), kIsolated);
    REQUIRE_MESSAGE(d.exitCode == 0, d.summary());
    CHECK(has(rdmaDevicesIn(), lab.rxe.name()));
    CHECK(rdmaDevicesIn(pod.path()).empty());
    CHECK(test::linkExistsIn("", lab.vf.a()));
    CHECK(lab.node.leftovers().empty());
}

TEST_CASE("rdmaIsolation: a DEL after the pod's namespace died finds the RDMA device back on the host") {
    RdmaVf lab("rdma_rxe_netns", true);
    auto pod = std::make_unique<ScopedNetns>();
    const std::string podPath = pod->path();
    lab.vf.alsoSearch(podPath);
    const auto r = lab.node.run("ADD", "cid-died", podPath, kIsolated);
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    REQUIRE_FALSE(has(rdmaDevicesIn(), lab.rxe.name()));
    pod.reset();  // the veth goes with it; the kernel hands the RDMA device back to init_net
    bool home = false;
    for (int i = 0; i < 100 && !home; ++i) {
        home = has(rdmaDevicesIn(), lab.rxe.name());
        if (!home) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(home);
    VethPair returned(lab.vf.a(), test::uniqueName());  // a physical VF netdev comes back too
    const auto d = lab.node.run("DEL", "cid-died", podPath, kIsolated);
    REQUIRE_MESSAGE(d.exitCode == 0, d.summary());
    CHECK(has(rdmaDevicesIn(), lab.rxe.name()));
    CHECK(lab.node.leftovers().empty());
}

TEST_CASE("rdmaIsolation: an ADD that fails after the move returns the RDMA device to the host") {
    RdmaVf lab("rdma_rxe_netns", true);
    ScopedNetns pod;
    lab.vf.alsoSearch(pod.path());
    const auto host = HostSnapshot::capture();
    const auto r = lab.node.run("ADD", "cid-fail", pod.path(), kIsolatedFailing);
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    CHECK_MESSAGE(field(r, "msg").find("route") != std::string::npos, r.summary());
    CHECK(has(rdmaDevicesIn(), lab.rxe.name()));
    CHECK(rdmaDevicesIn(pod.path()).empty());
    const auto after = HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
    CHECK(lab.node.leftovers().empty());
}
