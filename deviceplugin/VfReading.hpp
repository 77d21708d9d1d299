#pragma once
// What one scrape learned about one VF: who it is (the inventory), who holds it (pod-resources,
// allocation records), and what the kernel said (netdev, RDMA ports, the PF's view of it). Any
// reading may be missing; a missing one is a missing series, counted in ibvf_metrics_read_errors_total.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "deviceplugin/PodAssignments.hpp"
#include "linux/LinkStats.hpp"
#include "linux/RdmaPortCounters.hpp"
#include "linux/VfControl.hpp"

namespace ibvf::dp {

// Where ibvf's ADD put a VF, from its attachment state.
struct VfPlacement {
    std::string netnsPath;          // the pod's network namespace
    std::string ifname;             // the VF netdev's name there (CNI_IFNAME, or the parent of an ipoibChild)
    std::string rdmaDevice;         // rdmaIsolation: the RDMA device moved with it; empty otherwise
    std::uint64_t netnsInode = 0;   // the namespace's inode at ADD (0: unknown): the path may name another pod's later
    std::uint64_t netnsCookie = 0;  // its cookie at ADD (0: unknown), which the kernel never reuses
};
using PlacementMap = std::map<std::string, VfPlacement>;  // VF PCI address -> placement

struct VfReading {
    std::string resource;  // "rdma/vhca"
    std::string pciAddress;
    std::string pf;  // the PF's netdev ("ib0"), its PCI address when it has none
    int vfIndex = -1;
    int numaNode = -1;
    std::string rdmaDevice;     // "mlx5_3", empty when the VF has none
    std::optional<PodRef> pod;  // while a container holds it
    bool healthy = false;       // as reported to kubelet
    bool allocated = false;     // an allocation record exists

    std::optional<linux::LinkStats> netdev;
    std::vector<linux::RdmaPortCounters> ports;
    std::optional<linux::VfSettings> settings;  // link state and GUIDs as the PF's driver reports them
};

}  // namespace ibvf::dp
