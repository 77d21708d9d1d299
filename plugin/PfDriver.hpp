#pragma once
// The PF's driver as the VF features (VfGuid, VfLinkState) reach it: where the PF is, how its
// refusals reach the user, and rebinding a VF so the driver takes new settings.
#include <functional>
#include <string>

#include "linux/RouteSocket.hpp"
#include "linux/Sysfs.hpp"
#include "linux/VfControl.hpp"

namespace ibvf::plugin {

// The PF's netdev ifindex on the host, from its PCI address. cni::Error(DeviceNotFound) naming
// what is missing.
int pfIfindexOf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pfPciAddress);

// Runs a VfControl call; a KernelError becomes a cni::Error saying what was attempted:
// EOPNOTSUPP -> HardwareUnsupported (the PF's driver cannot do it), ENODEV -> DeviceNotFound
// (the PF does not report the VF), anything else SystemFailure.
void callPfDriver(const std::string& what, const std::function<void()>& call);

// What the PF reports for VF `vfIndex` now (read before a change, to put it back later);
// cni::Error as callPfDriver(what) says.
linux::VfSettings readVfSettings(linux::VfControl& control, int pfIfindex, int vfIndex, const std::string& what);

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

}  // namespace ibvf::plugin
