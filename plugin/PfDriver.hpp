#pragma once
// What the plugin asks of the PF's driver for a VF (GUIDs, link state, a driver rebind) and how it
// puts them back: where the PF is, and how hardware refusals reach the user.
#include <functional>
#include <string>
#include <utility>

#include "linux/Guid.hpp"
#include "linux/VfControl.hpp"

#include "linux/RouteSocket.hpp"
#include "linux/Sysfs.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// The PF's netdev ifindex on the host, from its PCI address. cni::Error(DeviceNotFound) naming
// what is missing.
int pfIfindexOf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pfPciAddress);

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

// Runs a VfControl call; a KernelError becomes a cni::Error saying what was attempted:
// EOPNOTSUPP -> HardwareUnsupported (the PF's driver cannot do it), ENODEV -> DeviceNotFound
// (the PF does not report the VF), anything else SystemFailure.
void callPfDriver(const std::string& what, const std::function<void()>& call);

// Unbinds the VF and binds it to `driver` again; cni::Error naming the VF when sysfs refuses.
void rebindDriver(const linux::Sysfs& sysfs, const std::string& pciAddress, const std::string& driver);

// The VF's netdev, found by its PCI address (sysfs) once it is registered, woken by netlink events;
// cni::Error after 10 s saying what it was waiting `after` ("rebinding it to mlx5_core").
linux::LinkInfo waitForVfNetdev(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pciAddress,
                                const std::string& after);

// Unbinds the VF from `driver` and binds it again, so the driver takes new GUIDs, then waits for
// its netdev by the VF's PCI address (sysfs), woken by netlink events: the netdev comes back with
// a new ifindex and maybe another name, so nothing read before the rebind is trusted.
linux::LinkInfo rebindVf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pciAddress, const std::string& driver);

// DEL: puts back the VF GUIDs recorded at ADD (then rebinds), when ADD changed them.
void restoreVfGuids(const node::AttachmentState& state, const PluginContext& ctx);

// DEL: puts back the VF link state recorded at ADD, when ADD changed it.
void restoreVfLinkState(const node::AttachmentState& state, const PluginContext& ctx);

}  // namespace ibvf::plugin
