// RdmaCounterReader against the real kernel: an absent device or a kernel without RDMA netlink
// each come back as a typed result (a namespace that is gone: openRecordedNetns, NetNsTest.cpp).
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "Lab.hpp"
#include "linux/RdmaCounterReader.hpp"

using namespace ibvf;
using namespace ibvf::test;

TEST_CASE("RdmaCounterReader: an absent device is NotVisible; without RDMA netlink, a clear failure") {
    ScopedNetns ns;
    auto reader = linux::RdmaCounterReader::open(ns.open());
    if (!reader.ok()) {
        INFO(reader.error().message);
        CHECK(reader.error().kind == linux::ReadFailure::Failed);
        CHECK(reader.error().err == EPROTONOSUPPORT);
        CHECK(reader.error().message == "open RDMA netlink socket in netns " + ns.path() +
                                            ": Protocol not supported (no RDMA subsystem in this kernel: is the ib_core module loaded?)");
        return;
    }
    const std::string device = uniqueName("ibtrdma");
    const auto absent = reader.value().read(device);
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().kind == linux::ReadFailure::NotVisible);
    CHECK(absent.error().message ==
          "read counters of RDMA device " + device + " in netns " + ns.path() + ": no such RDMA device in this namespace");
}
