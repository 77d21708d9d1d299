#include "plugin/VfGuid.hpp"

#include <optional>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "plugin/PfDriver.hpp"

namespace ibvf::plugin {

using cni::Error;
using cni::ErrorCode;

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

std::pair<linux::Guid, linux::Guid> readGuidsToRestore(linux::VfControl& control, int pfIfindex, int vfIndex, const linux::LinkInfo& link,
                                                       const std::string& pciAddress) {
    return guidsToRestore(readVfSettings(control, pfIfindex, vfIndex, "read the GUID of VF " + pciAddress), link, pciAddress);
}

void setVfGuids(linux::VfControl& control, int pfIfindex, int vfIndex, linux::Guid node, linux::Guid port, const std::string& pciAddress) {
    callPfDriver("set the GUID of VF " + pciAddress, [&] { control.setGuids(pfIfindex, vfIndex, node.value(), port.value()); });
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
    setVfGuids(*ctx.makeVfControl(), pf, state.vfIndex, *node, *port, state.pciAddress);
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

}  // namespace ibvf::plugin
