#include "plugin/RdmaIsolation.hpp"

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

cni::Error rdmaDriverCannotMove(const std::string& device, const linux::KernelError& cause) {
    // In Linux 6.1 only mlx4, mlx5, irdma and hns implement it; rxe and siw do not.
    return cni::Error(cni::ErrorCode::HardwareUnsupported,
                      "rdmaIsolation: the driver of RDMA device " + device + " cannot change network namespace",
                      std::string(cause.what()) +
                          "; the kernel moves an RDMA device only when its driver implements disassociate_ucontext "
                          "(mlx4, mlx5, irdma and hns do; rxe and siw do not): drop rdmaIsolation for this network");
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
