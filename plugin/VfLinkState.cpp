#include "plugin/VfLinkState.hpp"

#include <spdlog/spdlog.h>

#include "linux/RouteSocket.hpp"
#include "plugin/PfDriver.hpp"

namespace ibvf::plugin {

linux::VfLinkState readVfLinkState(linux::VfControl& control, int pfIfindex, int vfIndex, const std::string& pciAddress) {
    return readVfSettings(control, pfIfindex, vfIndex, "read the link state of VF " + pciAddress)
        .linkState.value_or(linux::VfLinkState::Auto);
}

void setVfLinkState(linux::VfControl& control, int pfIfindex, int vfIndex, linux::VfLinkState state, const std::string& pciAddress) {
    callPfDriver("set the link state of VF " + pciAddress, [&] { control.setLinkState(pfIfindex, vfIndex, state); });
}

void restoreVfLinkState(const node::AttachmentState& state, const PluginContext& ctx) {
    if (!state.vfLinkState) return;
    linux::RouteSocket host;
    const int pf = pfIfindexOf(ctx.sysfs, host, state.pfPciAddress);
    const auto original = static_cast<linux::VfLinkState>(*state.vfLinkState);
    setVfLinkState(*ctx.makeVfControl(), pf, state.vfIndex, original, state.pciAddress);
    spdlog::info("VF {} link state back to {}", state.pciAddress, linux::vfLinkStateName(original));
}

}  // namespace ibvf::plugin
