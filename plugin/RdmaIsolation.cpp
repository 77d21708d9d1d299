#include "plugin/RdmaIsolation.hpp"

#include <cerrno>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {

std::unique_ptr<linux::RdmaNetns> openRdmaNetns(const PluginContext& ctx) {
    try {
        return ctx.makeRdmaNetns();
    } catch (const linux::KernelError& e) {
        throw cni::Error(cni::ErrorCode::SystemFailure, "rdmaIsolation: no RDMA netlink on this node", e.what());
    }
}

void requireExclusiveRdmaNetns(linux::RdmaNetns& rdma) {
    linux::RdmaNetnsMode mode{};
    try {
        mode = rdma.netnsMode();
    } catch (const linux::KernelError& e) {
        throw cni::Error(cni::ErrorCode::SystemFailure, "rdmaIsolation: cannot read the RDMA netns mode", e.what());
    }
    if (mode == linux::RdmaNetnsMode::Exclusive) return;
    throw cni::Error(cni::ErrorCode::SystemFailure,
                     "rdmaIsolation needs the RDMA subsystem in exclusive netns mode; this node is in " +
                         std::string(linux::rdmaNetnsModeName(mode)) + " mode",
                     "run `rdma system set netns exclusive` before any pod uses RDMA, and keep it across reboots "
                     "with `options ib_core netns_mode=0` in /etc/modprobe.d; or drop rdmaIsolation");
}

std::string rdmaDeviceOfVf(const linux::Sysfs& sysfs, const std::string& pciAddress) {
    std::optional<std::string> device;
    try {
        device = sysfs.vf(pciAddress).rdmaDevice;
    } catch (const linux::KernelError& e) {
        throw cni::Error(cni::ErrorCode::DeviceNotFound, "VF " + pciAddress + " vanished from sysfs", e.what());
    }
    if (!device) {
        throw cni::Error(cni::ErrorCode::DeviceNotFound, "rdmaIsolation: VF " + pciAddress + " has no RDMA device",
                         (sysfs.pciDeviceDir(pciAddress) / "infiniband").string() + " is empty; is the VF's RDMA driver (mlx5_ib) loaded?");
    }
    return *device;
}

void moveRdmaDeviceToPod(linux::RdmaNetns& rdma, const std::string& device, const linux::NetNs& podNs, const std::string& pciAddress) {
    try {
        rdma.moveToNetns(device, podNs.fd());
    } catch (const linux::KernelError& e) {
        if (e.err() == EOPNOTSUPP) {
            // In Linux 6.1 only mlx4, mlx5, irdma and hns implement it; rxe and siw do not.
            throw cni::Error(cni::ErrorCode::HardwareUnsupported,
                             "rdmaIsolation: the driver of RDMA device " + device + " cannot change network namespace",
                             std::string(e.what()) +
                                 "; the kernel moves an RDMA device only when its driver implements disassociate_ucontext "
                                 "(mlx4, mlx5, irdma and hns do; rxe and siw do not): drop rdmaIsolation for this network");
        }
        throw cni::Error(cni::ErrorCode::SystemFailure,
                         "rdmaIsolation: cannot move RDMA device " + device + " of VF " + pciAddress + " into the pod", e.what());
    }
}

void returnRdmaDevice(const node::AttachmentState& state, const std::optional<linux::NetNs>& podNs, const PluginContext& ctx) {
    if (!state.rdmaDevice) return;
    const auto& device = *state.rdmaDevice;
    if (!podNs) {
        spdlog::info("RDMA device {} returns to the host with the end of its namespace", device);
        return;
    }
    const auto hostNs = linux::NetNs::current();
    const bool moved = linux::runInNetNs(*podNs, [&] {
        auto rdma = openRdmaNetns(ctx);
        if (!rdma->deviceIndex(device)) return false;
        rdma->moveToNetns(device, hostNs.fd());
        return true;
    });
    if (moved)
        spdlog::info("RDMA device {} back on the host", device);
    else
        spdlog::info("RDMA device {} is not in the pod namespace; nothing to return", device);
}

}  // namespace ibvf::plugin
