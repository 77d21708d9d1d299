#pragma once
#include "cni/Dispatch.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// ADD: VF into the pod as CNI_IFNAME with MTU, addresses, routes, up. Either all of it happens or
// none of it: every step pushes its undo, and a failure unwinds them in reverse.
cni::Result attach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx);

}  // namespace ibvf::plugin
