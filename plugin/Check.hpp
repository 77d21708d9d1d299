#pragma once
#include "cni/Dispatch.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// CHECK: the interface is in the pod under CNI_IFNAME, it is the VF we attached, with the MTU,
// addresses and routes that prevResult promises; the IPAM still holds the lease. The first
// difference is reported as a CNI error saying what was expected and what was found.
void check(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx);

}  // namespace ibvf::plugin
