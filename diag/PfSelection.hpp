#pragma once
// Which PFs ibvf-diag reports on.
#include <string>
#include <vector>

#include "linux/Sysfs.hpp"

namespace ibvf::diag {

struct SelectedPf {
    std::string netdev;
    std::vector<std::string> selectedBy;  // "--pf", "auto", "device-plugin-config"
};

// Netdevs in class/net whose type is 32 (ARPHRD_INFINIBAND) and whose device is an SR-IOV PF
// (has sriov_totalvfs), sorted.
std::vector<std::string> infinibandPfNetdevs(const linux::Sysfs& sysfs);

// `named` (--pf) when given, alone; otherwise the InfiniBand PFs and `fromDevicePlugin`, merged.
std::vector<SelectedPf> selectPfs(const std::vector<std::string>& named, const std::vector<std::string>& fromDevicePlugin,
                                  const linux::Sysfs& sysfs);

// class/net/<netdev>/type, -1 when unreadable.
int netdevType(const linux::Sysfs& sysfs, const std::string& netdev);

}  // namespace ibvf::diag
