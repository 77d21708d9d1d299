#pragma once
// ipoibChild: the pod's interface is an IPoIB child of the VF for one InfiniBand partition; the VF
// itself stays in the pod, renamed, as the child's parent.
#include <optional>
#include <string>
#include <string_view>

#include "linux/IpoibLink.hpp"
#include "linux/NetNs.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// The VF's name in the pod when CNI_IFNAME is its child: "<ifname>-vf" (ifname cut to fit 15).
std::string partitionParentName(std::string_view ifname);

// ADD: creates the IPoIB child `ifname` of the VF netdev `parentIfindex` (in the pod) for `pkey`,
// inside the pod's namespace; returns its ifindex. The kernel's EOPNOTSUPP is
// cni::Error(HardwareUnsupported), any other refusal SystemFailure, both naming pkey and VF.
int createPartitionChild(const linux::NetNs& podNs, int parentIfindex, const std::string& ifname, const linux::Pkey& pkey,
                         const std::string& pciAddress, const PluginContext& ctx);

// DEL: deletes the child recorded in `state` from the pod, before the VF leaves: a child must
// not outlive its parent's move. Tolerates "already gone" (it dies with its namespace).
void removePartitionChild(const node::AttachmentState& state, const std::optional<linux::NetNs>& podNs, const PluginContext& ctx);

}  // namespace ibvf::plugin
