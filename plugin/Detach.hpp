#pragma once
#include <vector>

#include "cni/Dispatch.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// DEL: idempotent. Puts the VF back on the host under its original name, MTU and link state (from
// the pod's namespace, or wherever it went when that namespace died), releases the IPs, forgets
// the attachment. A DEL for an attachment that never existed still releases IPAM leftovers.
void detach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx);

// GC: every attachment not in `valid` is detached (its VF returned); the IPAM is then told the
// valid set so it can release the rest.
void collectGarbage(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx, const std::vector<cni::Attachment>& valid);

}  // namespace ibvf::plugin
