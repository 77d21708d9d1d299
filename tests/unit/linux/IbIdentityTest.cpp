// The InfiniBand identity files of an RDMA device: parsers and the reads over a fake tree.
#include <doctest/doctest.h>

#include "linux/IbIdentity.hpp"
#include "support/FakeSysfs.hpp"

using namespace ibvf;

TEST_CASE("sysfs GUID, GID and pkey texts") {
    CHECK(linux::parseSysfsGuid("0002:c903:0000:1234\n")->value() == 0x0002c90300001234ULL);
    CHECK(linux::parseSysfsGuid("0000:0000:0000:0000")->value() == 0);
    for (const char* bad :
         {"", "0002:c903:0000", "0002:c903:0000:1234:5678", "02:c903:0000:1234", "zzzz:c903:0000:1234", "0002:c903:0000:1234:"}) {
        CHECK_MESSAGE(!linux::parseSysfsGuid(bad), bad);
    }
    CHECK(linux::portGuidOfGid("fe80:0000:0000:0000:0002:c903:0000:1234\n")->value() == 0x0002c90300001234ULL);
    CHECK_FALSE(linux::portGuidOfGid("fe80::2:c903:0:1234"));
    CHECK(linux::parseSysfsPkey("0xffff\n") == 0xffff);
    CHECK(linux::parseSysfsPkey("0x8001") == 0x8001);
    for (const char* bad : {"", "ffff", "0x", "0x1ffff", "0xzz", "32769"}) CHECK_MESSAGE(!linux::parseSysfsPkey(bad), bad);
}

TEST_CASE("readIbIdentity and readPkeyTable over an RDMA device's files") {
    test::FakeSysfs sysfs;
    sysfs.addPf("0000:3b:00.0", "ib0", 4, test::FakePfOptions().withRdma("mlx5_0"));
    sysfs.addVf("0000:3b:00.0", 0, "0000:3b:00.2", test::FakeVfOptions().withRdma("mlx5_1"));
    const linux::Sysfs view(sysfs.root());
    // Before the files exist: nothing known, nothing thrown.
    const auto none = linux::readIbIdentity(view, "mlx5_1");
    CHECK_FALSE(none.nodeGuid);
    CHECK_FALSE(none.portGuid);
    CHECK_FALSE(none.pkey0);
    CHECK(linux::readPkeyTable(view, "mlx5_1").empty());

    sysfs.setIbIdentity("mlx5_1", 0x0200000000000011ULL, 0x0200000000000022ULL, {0x8001, 0, 0x0005, 0xffff});
    const auto id = linux::readIbIdentity(view, "mlx5_1");
    CHECK(id.nodeGuid->value() == 0x0200000000000011ULL);
    CHECK(id.portGuid->value() == 0x0200000000000022ULL);
    CHECK(id.pkey0 == 0x8001);
    CHECK(linux::readPkeyTable(view, "mlx5_1") == std::vector<std::uint16_t>{0x8001, 0x0005, 0xffff});
    for (const char* bad : {"", "..", "mlx5_1/../mlx5_0", "nope"}) {
        CHECK_FALSE(linux::readIbIdentity(view, bad).nodeGuid);
        CHECK(linux::readPkeyTable(view, bad).empty());
    }
}
