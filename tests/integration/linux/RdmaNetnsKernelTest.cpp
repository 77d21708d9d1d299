// NetlinkRdmaNetns against the real kernel. Without the RDMA core there is no NETLINK_RDMA and
// the constructor must say so; with it, the netns mode is 0 or 1 and lookups of absent devices
// are clean misses.
#include <doctest/doctest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "Lab.hpp"
#include "linux/KernelError.hpp"
#include "linux/RdmaNetns.hpp"
#include "support/RecordingRdmaNetns.hpp"

using namespace ibvf;
using namespace ibvf::test;

TEST_CASE("RDMA netlink: the netns mode, or a clear error when the kernel has no RDMA core") {
    std::unique_ptr<linux::NetlinkRdmaNetns> rdma;
    try {
        rdma = std::make_unique<linux::NetlinkRdmaNetns>();
    } catch (const linux::KernelError& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(e.err() == EPROTONOSUPPORT);
        CHECK(what.find("open RDMA netlink socket (no RDMA subsystem in this kernel: is the ib_core module loaded?)") == 0);
        return;
    }
    const auto mode = rdma->netnsMode();
    CHECK((mode == linux::RdmaNetnsMode::Exclusive || mode == linux::RdmaNetnsMode::Shared));
    const std::string absent = uniqueName("ibtrdma");
    CHECK_FALSE(rdma->deviceIndex(absent));
    for (const auto& d : rdma->devices()) CHECK_FALSE(d.name.empty());

    ScopedNetns ns;
    try {
        rdma->moveToNetns(absent, ns.open().fd());
        FAIL("moved a device that does not exist");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
        CHECK(std::string(e.what()).find("move RDMA device " + absent + " to netns ") == 0);
    }
}

TEST_CASE("RecordingRdmaNetns: in exclusive mode a device is seen only from the namespace it is in") {
    RecordingRdmaNetns rdma;
    rdma.addDevice("mlx5_3", 3);
    ScopedNetns pod;
    const auto podNs = pod.open();
    const std::string podId = RecordingRdmaNetns::netnsIdOfFd(podNs.fd());
    CHECK(podId != rdma.initialNetns());

    rdma.moveToNetns("mlx5_3", podNs.fd());
    CHECK(rdma.netnsOf("mlx5_3") == podId);
    CHECK_FALSE(rdma.deviceIndex("mlx5_3"));  // gone from here
    CHECK(linux::runInNetNs(podNs, [&] { return rdma.deviceIndex("mlx5_3"); }) == 3u);

    // Moving it back must happen from inside the pod.
    const auto host = linux::NetNs::current();
    try {
        rdma.moveToNetns("mlx5_3", host.fd());
        FAIL("moved a device not visible here");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENODEV);
    }
    linux::runInNetNs(podNs, [&] { rdma.moveToNetns("mlx5_3", host.fd()); });
    CHECK(rdma.netnsOf("mlx5_3") == rdma.initialNetns());
    CHECK(rdma.deviceIndex("mlx5_3") == 3u);

    rdma.setMode(linux::RdmaNetnsMode::Shared);
    CHECK(linux::runInNetNs(podNs, [&] { return rdma.deviceIndex("mlx5_3"); }) == 3u);
}
