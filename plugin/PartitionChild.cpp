#include "plugin/PartitionChild.hpp"

#include <cerrno>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"

#include "linux/RouteSocket.hpp"

namespace ibvf::plugin {

std::string partitionParentName(std::string_view ifname) {
    constexpr std::size_t kMaxName = 15;
    constexpr std::string_view kSuffix = "-vf";
    return std::string(ifname.substr(0, kMaxName - kSuffix.size())) + std::string(kSuffix);
}

int createPartitionChild(const linux::NetNs& podNs, int parentIfindex, const std::string& ifname, const linux::Pkey& pkey,
                         const std::string& pciAddress, const PluginContext& ctx) {
    const linux::IpoibChildSpec spec{parentIfindex, ifname, pkey, linux::IpoibMode::Datagram, false};
    try {
        return linux::runInNetNs(podNs, [&] { return ctx.makeIpoibLinks()->createChild(spec); });
    } catch (const linux::KernelError& e) {
        throw cni::Error(e.err() == EOPNOTSUPP ? cni::ErrorCode::HardwareUnsupported : cni::ErrorCode::SystemFailure,
                         "cannot create the IPoIB child " + ifname + " for pkey " + pkey.str() + " on VF " + pciAddress, e.what());
    }
}

void removePartitionChild(const node::AttachmentState& state, const std::optional<linux::NetNs>& podNs, const PluginContext& ctx) {
    if (!state.pkey || !podNs) return;
    linux::runInNetNs(*podNs, [&] {
        linux::RouteSocket pod;
        auto child = pod.linkByName(state.ifname);
        // Only the link ADD made: same ifindex when it was recorded, and never the VF itself.
        if (!child || (state.childIfindex != 0 && child->ifindex != state.childIfindex) ||
            linux::formatHwaddr(child->hwaddr) == state.hwaddr) {
            spdlog::info("partition child {} not in the pod; nothing to remove", state.ifname);
            return;
        }
        ctx.makeIpoibLinks()->deleteChild(child->ifindex);
        spdlog::info("removed partition child {} (pkey {})", state.ifname, *state.pkey);
    });
}

}  // namespace ibvf::plugin
