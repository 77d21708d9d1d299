#pragma once
#include <optional>

#include "cni/Dispatch.hpp"
#include "linux/FileLock.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// ADD: VF into the pod as CNI_IFNAME with MTU, addresses, routes, up. Either all of it happens or
// none of it: every step pushes its undo, and a failure unwinds them in reverse.
cni::Result attach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx);
// The same, handing over the VF's lock instead of dropping it: the binary holds it until the
// result is written, so that a GC (which leaves attachments with a held lock alone) cannot take
// back an attachment whose ADD has not reported it to the runtime yet.
cni::Result attach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx,
                   std::optional<linux::FileLock>& vfLockUntilReported);

}  // namespace ibvf::plugin
