#include "plugin/PfDriver.hpp"

#include <cerrno>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/Guid.hpp"
#include "linux/KernelError.hpp"
#include "linux/VfControl.hpp"

namespace ibvf::plugin {

using cni::Error;
using cni::ErrorCode;

int pfIfindexOf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pfPciAddress) {
    linux::PfInfo pf;
    try {
        pf = sysfs.pfByPci(pfPciAddress);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::DeviceNotFound, "PF " + pfPciAddress + " not found", e.what());
    }
    for (const auto& name : pf.netdevs) {
        if (auto link = host.linkByName(name)) return link->ifindex;
    }
    throw Error(ErrorCode::DeviceNotFound, "PF " + pfPciAddress + " has no netdev in the host namespace",
                "VF settings are sent to the PF's netdev; sysfs lists: " + (pf.netdevs.empty() ? std::string("none") : pf.netdevs.front()));
}

void requireUsableGuid(const linux::LinkInfo& link, const std::string& pciAddress, int vfIndex) {
    constexpr unsigned kArphrdInfiniband = 32;
    if (link.arptype != kArphrdInfiniband) return;
    const auto current = linux::Guid::fromIpoibHwaddr(link.hwaddr);
    if (current && current->valid()) return;
    throw Error(ErrorCode::InvalidNetworkConfig, "VF " + pciAddress + " has no usable GUID (" + (current ? current->str() : "none") + ")",
                "give one with \"guid\", runtimeConfig.infinibandGUID or \"guidPool\", or set it on the PF "
                "(ip link set <pf> vf " +
                    std::to_string(vfIndex) + " node_guid <guid> port_guid <guid>)");
}

std::pair<linux::Guid, linux::Guid> guidsToRestore(const linux::VfSettings& before, const linux::LinkInfo& link,
                                                   const std::string& pciAddress) {
    constexpr unsigned kArphrdInfiniband = 32;
    std::optional<linux::Guid> fromHwaddr;
    if (link.arptype == kArphrdInfiniband) {
        fromHwaddr = linux::Guid::fromIpoibHwaddr(link.hwaddr);
        if (fromHwaddr && !fromHwaddr->valid()) fromHwaddr.reset();
    }
    const auto pick = [&](const std::optional<std::uint64_t>& reported) -> std::optional<linux::Guid> {
        if (reported) return linux::Guid(*reported);
        return fromHwaddr;
    };
    const auto node = pick(before.nodeGuid);
    const auto port = pick(before.portGuid);
    if (!node || !port) {
        throw Error(ErrorCode::HardwareUnsupported, "cannot read the current GUID of VF " + pciAddress + ", so it could not be restored",
                    std::string("the PF reports no GUIDs for its VFs (its driver has no ndo_get_vf_guid) and the "
                                "VF's netdev ") +
                        (link.arptype == kArphrdInfiniband ? "carries no GUID in its IPoIB address" : "is not IPoIB"));
    }
    return {*node, *port};
}

void callPfDriver(const std::string& what, const std::function<void()>& call) {
    try {
        call();
    } catch (const linux::KernelError& e) {
        if (e.err() == EOPNOTSUPP) {
            throw Error(ErrorCode::HardwareUnsupported, "cannot " + what + ": the PF's driver does not support it", e.what());
        }
        if (e.err() == ENODEV) {
            throw Error(ErrorCode::DeviceNotFound, "cannot " + what + ": the PF does not report that VF", e.what());
        }
        throw Error(ErrorCode::SystemFailure, "cannot " + what, e.what());
    }
}

void rebindDriver(const linux::Sysfs& sysfs, const std::string& pciAddress, const std::string& driver) {
    try {
        sysfs.unbindDriver(pciAddress);
        sysfs.bindDriver(pciAddress, driver);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::SystemFailure, "cannot rebind VF " + pciAddress + " to " + driver, e.what());
    }
}

linux::LinkInfo waitForVfNetdev(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pciAddress,
                                const std::string& after) {
    constexpr int kTimeoutMs = 10000;
    auto link = host.waitForLinkNamedBy(
        [&]() -> std::optional<std::string> {
            try {
                auto vf = sysfs.vf(pciAddress);
                if (!vf.netdevs.empty()) return vf.netdevs.front();
            } catch (const linux::KernelError&) {
                // Not re-registered yet.
            }
            return std::nullopt;
        },
        kTimeoutMs);
    if (!link) {
        throw Error(ErrorCode::SystemFailure,
                    "VF " + pciAddress + " has no netdev " + std::to_string(kTimeoutMs / 1000) + " s after " + after,
                    (sysfs.pciDeviceDir(pciAddress) / "net").string() + " stayed empty (see the kernel log)");
    }
    return *link;
}

linux::LinkInfo rebindVf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pciAddress, const std::string& driver) {
    rebindDriver(sysfs, pciAddress, driver);
    auto link = waitForVfNetdev(sysfs, host, pciAddress, "rebinding it to " + driver);
    spdlog::info("VF {} rebound to {}: netdev {} (ifindex {})", pciAddress, driver, link.name, link.ifindex);
    return link;
}

void restoreVfGuids(const node::AttachmentState& state, const PluginContext& ctx) {
    if (!state.originalNodeGuid || !state.originalPortGuid) return;
    const auto node = linux::Guid::parse(*state.originalNodeGuid);
    const auto port = linux::Guid::parse(*state.originalPortGuid);
    if (!node || !port) {
        spdlog::error("attachment state holds unreadable GUIDs for VF {}; not restored", state.pciAddress);
        return;
    }
    linux::RouteSocket host;
    const int pf = pfIfindexOf(ctx.sysfs, host, state.pfPciAddress);
    auto control = ctx.makeVfControl();
    callPfDriver("restore the GUID of VF " + state.pciAddress, [&] { control->setGuids(pf, state.vfIndex, node->value(), port->value()); });
    if (state.vfioPciMode) {
        rebindDriver(ctx.sysfs, state.pciAddress, state.driver);  // vfio-pci: no netdev to wait for
    } else if (!state.driver.empty()) {
        rebindDriver(ctx.sysfs, state.pciAddress, state.driver);
        try {
            waitForVfNetdev(ctx.sysfs, host, state.pciAddress, "rebinding it to " + state.driver);
        } catch (const cni::Error& e) {
            // The GUID is restored and the driver bound: what is left is the driver's to finish,
            // and a DEL that failed here would be retried forever for nothing.
            spdlog::error("{} ({})", e.what(), e.details());
        }
    }
    spdlog::info("VF {} GUIDs back to {} / {}", state.pciAddress, node->str(), port->str());
}

void restoreVfLinkState(const node::AttachmentState& state, const PluginContext& ctx) {
    if (!state.vfLinkState) return;
    linux::RouteSocket host;
    const int pf = pfIfindexOf(ctx.sysfs, host, state.pfPciAddress);
    const auto original = static_cast<linux::VfLinkState>(*state.vfLinkState);
    auto control = ctx.makeVfControl();
    callPfDriver("restore the link state of VF " + state.pciAddress, [&] { control->setLinkState(pf, state.vfIndex, original); });
    spdlog::info("VF {} link state back to {}", state.pciAddress, linux::vfLinkStateName(original));
}

}  // namespace ibvf::plugin
