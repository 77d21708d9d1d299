#pragma once
// The sysfs tree the Sysfs and FakeSysfs tests read: one PF (ib0, mlx5_0, 16 VFs possible) with
// two VFs. VF0 has a netdev, an RDMA device and a driver; VF1 only a netdev and its own NUMA node.
#include <string>

#include "linux/Sysfs.hpp"
#include "support/FakeSysfs.hpp"

namespace ibvf::test {

inline constexpr const char* kPf = "0000:3b:00.0";
inline constexpr const char* kVf0 = "0000:3b:00.2";
inline constexpr const char* kVf1 = "0000:3b:00.3";

struct SysfsTopology {
    FakeSysfs fake;
    linux::Sysfs sysfs{fake.root()};
    SysfsTopology() {
        fake.addPf(kPf, "ib0", 16, FakePfOptions().withRdma("mlx5_0").withNumaNode(0).withDriver("mlx5_core").withNetType(32));
        fake.addVf(kPf, 0, kVf0, FakeVfOptions().withNetdev("ib0v0").withRdma("mlx5_2").withDriver("mlx5_core"));
        fake.addVf(kPf, 1, kVf1, FakeVfOptions().withNetdev("ib0v1").withNumaNode(1));
    }
    std::string dev(const std::string& bdf) const { return (fake.root() / "bus/pci/devices" / bdf).string(); }
};

}  // namespace ibvf::test
