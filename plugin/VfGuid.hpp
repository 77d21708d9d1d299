#pragma once
// guid, guidPool, guidSource and runtimeConfig.infinibandGUID: the VF's node and port GUID, set
// through the PF at ADD (originals on record first) and put back at DEL, in one place.
#include <string>
#include <utility>

#include "linux/Guid.hpp"
#include "linux/RouteSocket.hpp"
#include "linux/VfControl.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// Without a GUID to set, an IPoIB VF must already have a usable one (bytes 12..19 of its hardware
// address, not all zeros or ones): cni::Error(InvalidNetworkConfig) saying how to give one.
// Netdevs that are not IPoIB pass.
void requireUsableGuid(const linux::LinkInfo& link, const std::string& pciAddress, int vfIndex);

// The node and port GUID a VF must get back when ADD's GUID is undone, from what the PF reports
// for it (`before`) and its netdev. A reported GUID is a value even when it is zero: a fresh VF's
// GUIDs are zero, and restoring means zero again. Only a GUID the PF does not report at all is
// taken from the IPoIB hardware address (bytes 12..19); with neither, nothing could be restored:
// cni::Error(HardwareUnsupported) naming the VF.
std::pair<linux::Guid, linux::Guid> guidsToRestore(const linux::VfSettings& before, const linux::LinkInfo& link,
                                                   const std::string& pciAddress);

// ADD: what guidsToRestore() makes of what the PF reports for VF `vfIndex` now; the caller records it
// before any change. cni::Error as callPfDriver() says when the PF cannot tell.
std::pair<linux::Guid, linux::Guid> readGuidsToRestore(linux::VfControl& control, int pfIfindex, int vfIndex, const linux::LinkInfo& link,
                                                       const std::string& pciAddress);

// Sets the VF's node and port GUID through the PF (ADD, and its undo); the VF's driver takes them
// at its next bind. cni::Error as callPfDriver() says.
void setVfGuids(linux::VfControl& control, int pfIfindex, int vfIndex, linux::Guid node, linux::Guid port, const std::string& pciAddress);

// DEL: puts back the VF GUIDs recorded at ADD (then rebinds), when ADD changed them.
void restoreVfGuids(const node::AttachmentState& state, const PluginContext& ctx);

}  // namespace ibvf::plugin
