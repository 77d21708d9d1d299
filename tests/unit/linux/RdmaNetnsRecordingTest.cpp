// The recording RdmaNetns the plugin's flow tests rely on (the cross-namespace rules are checked
// in tests/integration/linux/RdmaNetnsKernelTest.cpp).
#include <doctest/doctest.h>
#include <fcntl.h>

#include <cerrno>
#include <string>
#include <vector>

#include "linux/Fd.hpp"
#include "support/KernelErrno.hpp"
#include "support/RecordingRdmaNetns.hpp"

using namespace ibvf;
using Strings = std::vector<std::string>;

TEST_CASE("RecordingRdmaNetns: mode, lookups, moves and the kernel's refusals") {
    test::RecordingRdmaNetns rdma;
    rdma.addDevice("mlx5_3", 3);
    CHECK(rdma.netnsMode() == linux::RdmaNetnsMode::Exclusive);
    CHECK(rdma.deviceIndex("mlx5_3") == 3u);
    CHECK_FALSE(rdma.deviceIndex("mlx5_9"));

    linux::Fd self(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    REQUIRE(self);
    rdma.moveToNetns("mlx5_3", self.get());
    CHECK(rdma.netnsOf("mlx5_3") == rdma.initialNetns());
    CHECK(test::kernelErrnoOf([&] { rdma.moveToNetns("mlx5_9", self.get()); }) == ENODEV);

    rdma.setMode(linux::RdmaNetnsMode::Shared);
    CHECK(test::kernelErrnoOf([&] { rdma.moveToNetns("mlx5_3", self.get()); }) == EOPNOTSUPP);

    rdma.setMode(linux::RdmaNetnsMode::Exclusive);
    rdma.failOperation("moveToNetns", EIO, 1);
    CHECK(test::kernelErrnoOf([&] { rdma.moveToNetns("mlx5_3", self.get()); }) == EIO);
    rdma.failCall(1, EAGAIN);
    CHECK(test::kernelErrnoOf([&] { rdma.netnsMode(); }) == EAGAIN);

    const std::string ns = rdma.initialNetns();
    CHECK(rdma.callStrings() == Strings{"netnsMode", "deviceIndex mlx5_3", "deviceIndex mlx5_9", "moveToNetns mlx5_3 -> " + ns,
                                        "moveToNetns mlx5_9 -> " + ns + " -> errno 19", "moveToNetns mlx5_3 -> " + ns + " -> errno 95",
                                        "moveToNetns mlx5_3 -> " + ns + " -> errno 5", "netnsMode -> errno 11"});
}
