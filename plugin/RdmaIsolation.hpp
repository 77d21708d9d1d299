#pragma once
// rdmaIsolation: the VF's RDMA device goes into the pod with its netdev, so the pod sees only its
// own HCA. Needs the RDMA subsystem in exclusive netns mode, where a device lives in exactly one
// namespace; in shared mode every namespace sees every device and a move is refused.
#include <memory>
#include <optional>
#include <string>

#include "linux/NetNs.hpp"
#include "linux/RdmaNetns.hpp"
#include "linux/Sysfs.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

// RDMA netlink in the calling thread's namespace; cni::Error(SystemFailure) when the kernel has
// none (no ib_core), saying so.
std::unique_ptr<linux::RdmaNetns> openRdmaNetns(const PluginContext& ctx);

// cni::Error(SystemFailure) with the fix when the subsystem is in shared mode.
void requireExclusiveRdmaNetns(linux::RdmaNetns& rdma);

// ADD: the VF's RDMA device, read from sysfs (again: a rebind renames it). cni::Error(DeviceNotFound)
// when the VF or its RDMA device is missing, naming the driver to check.
std::string rdmaDeviceOfVf(const linux::Sysfs& sysfs, const std::string& pciAddress);

// ADD: moves `device` into the pod's namespace. The kernel's EOPNOTSUPP (the driver cannot change
// namespace: ib_core needs its disassociate_ucontext) is cni::Error(HardwareUnsupported) naming
// the device and the fix; any other refusal SystemFailure.
void moveRdmaDeviceToPod(linux::RdmaNetns& rdma, const std::string& device, const linux::NetNs& podNs, const std::string& pciAddress);

// DEL: brings the RDMA device recorded in `state` back from the pod namespace. Tolerates "already
// home": the kernel returns a dead namespace's devices to the host by itself.
void returnRdmaDevice(const node::AttachmentState& state, const std::optional<linux::NetNs>& podNs, const PluginContext& ctx);

}  // namespace ibvf::plugin
