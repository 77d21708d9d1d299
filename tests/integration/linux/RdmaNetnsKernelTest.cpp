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
