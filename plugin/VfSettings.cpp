#include "plugin/VfSettings.hpp"

#include <cerrno>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"
#include "linux/VfControl.hpp"

namespace ibvf::plugin {

using cni::Error;
using cni::ErrorCode;

int pfIfindexOf(const kernel::Sysfs& sysfs, kernel::RouteSocket& host, const std::string& pfPciAddress) {
    kernel::PfInfo pf;
    try {
        pf = sysfs.pfByPci(pfPciAddress);
    } catch (const kernel::KernelError& e) {
        throw Error(ErrorCode::DeviceNotFound, "PF " + pfPciAddress + " not found", e.what());
    }
    for (const auto& name : pf.netdevs) {
        if (auto link = host.linkByName(name)) return link->ifindex;
    }
    throw Error(ErrorCode::DeviceNotFound, "PF " + pfPciAddress + " has no netdev in the host namespace",
                "VF settings are sent to the PF's netdev; sysfs lists: " +
                    (pf.netdevs.empty() ? std::string("none") : pf.netdevs.front()));
}

void callPfDriver(const std::string& what, const std::function<void()>& call) {
    try {
        call();
    } catch (const kernel::KernelError& e) {
        if (e.err() == EOPNOTSUPP) {
            throw Error(ErrorCode::HardwareUnsupported, "cannot " + what + ": the PF's driver does not support it",
                        e.what());
        }
        if (e.err() == ENODEV) {
            throw Error(ErrorCode::DeviceNotFound, "cannot " + what + ": the PF does not report that VF", e.what());
        }
        throw Error(ErrorCode::SystemFailure, "cannot " + what, e.what());
    }
}

void restoreVfLinkState(const AttachmentState& state, const PluginContext& ctx) {
    if (!state.vfLinkState) return;
    kernel::RouteSocket host;
    const int pf = pfIfindexOf(ctx.sysfs, host, state.pfPciAddress);
    const auto original = static_cast<kernel::VfLinkState>(*state.vfLinkState);
    auto control = ctx.makeVfControl();
    callPfDriver("restore the link state of VF " + state.pciAddress,
                 [&] { control->setLinkState(pf, state.vfIndex, original); });
    spdlog::info("VF {} link state back to {}", state.pciAddress, kernel::vfLinkStateName(original));
}

}  // namespace ibvf::plugin
