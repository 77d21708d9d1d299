#pragma once
// linkState: the VF's link state (auto, enable, disable) as the PF's driver reports it to the VF,
// set through the PF at ADD (the original on record first) and put back at DEL, in one place.
#include <string>

#include "linux/VfControl.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// ADD: the link state to put back, as the PF reports it now (auto when it reports none).
// cni::Error as callPfDriver() says.
linux::VfLinkState readVfLinkState(linux::VfControl& control, int pfIfindex, int vfIndex, const std::string& pciAddress);

// Sets it through the PF (ADD, and its undo). cni::Error as callPfDriver() says.
void setVfLinkState(linux::VfControl& control, int pfIfindex, int vfIndex, linux::VfLinkState state, const std::string& pciAddress);

// DEL: puts back the VF link state recorded at ADD, when ADD changed it.
void restoreVfLinkState(const node::AttachmentState& state, const PluginContext& ctx);

}  // namespace ibvf::plugin
