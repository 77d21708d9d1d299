#pragma once
// "guidSource": where a VF's GUID comes from when the pod brings none, for networks that span
// nodes (a NAD is cluster-wide, an InfiniBand subnet spans every node, a port GUID must be unique
// on it):
//   "pf"    derived from the PF's own hardware GUID (PfDerivedGuid.hpp): no coordination
//   "file"  the sriov-network-operator's static GUID file on the node (GuidFile.hpp)
//   "etcd"  leased from "guidRange" through the IPAM's etcd backend (EtcdGuids.hpp)
// runtimeConfig.infinibandGUID and args.cni.guid (per pod, e.g. from ib-kubernetes) still win.
#include <optional>
#include <string>

#include "cni/NetConf.hpp"
#include "linux/Guid.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::plugin {

enum class GuidSource { None, Pf, File, Etcd };

struct GuidSourceConfig {
    GuidSource source = GuidSource::None;
    std::optional<linux::GuidRange> range;  // etcd: the cluster-wide range leases come from

    // guidSource and guidRange of the config; cni::Error(InvalidNetworkConfig) naming the field
    // for an unknown source, an etcd source without guidRange or without an etcd ipam.backend.
    static GuidSourceConfig parse(const cni::NetConf& conf);
};

const char* guidSourceName(GuidSource source);

// The GUID of `vf` from a source that needs no allocation (pf, file). cni::Error naming the VF:
// HardwareUnsupported when the PF has no RDMA device or a GUID that cannot seed derived ones,
// InvalidNetworkConfig for the GUID file's problems.
linux::Guid nodeLocalSourceGuid(GuidSource source, const linux::Sysfs& sysfs, const linux::VfInfo& vf);

}  // namespace ibvf::plugin
