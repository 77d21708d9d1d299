#include "plugin/IpoibMtu.hpp"

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {
namespace {
constexpr unsigned kArphrdInfiniband = 32;
constexpr unsigned kDatagramMax = 4092;    // IPOIB_UD_MTU(4096)
constexpr unsigned kConnectedMax = 65520;  // IPOIB_CM_MTU
}  // namespace

std::optional<unsigned> ipoibMaxMtu(std::string_view mode) {
    if (mode == "datagram") return kDatagramMax;
    if (mode == "connected") return kConnectedMax;
    return std::nullopt;
}

void requireMtuFits(unsigned mtu, const linux::LinkInfo& link, const linux::Sysfs& sysfs, const std::string& pciAddress) {
    if (link.arptype != kArphrdInfiniband) return;
    std::optional<std::string> mode;
    try {
        mode = sysfs.netdevAttribute(link.name, "mode");
    } catch (const linux::KernelError&) {
        // Unreadable: the kernel still has the last word when the MTU is set.
    }
    const auto max = ipoibMaxMtu(mode.value_or("datagram"));
    if (!max || mtu <= *max) return;
    const std::string modeName = mode.value_or("datagram");
    throw cni::Error(cni::ErrorCode::InvalidNetworkConfig,
                     "mtu " + std::to_string(mtu) + " is above the IPoIB " + modeName + "-mode limit of " + std::to_string(*max) +
                         " for VF " + pciAddress + " (" + link.name + ")",
                     modeName == "datagram" ? "use mtu <= 4092 (2044 on a fabric with a 2 KiB IB MTU), or switch the VF to connected "
                                              "mode (echo connected > /sys/class/net/" +
                                                  link.name + "/mode) for up to 65520"
                                            : "use mtu <= 65520");
}

}  // namespace ibvf::plugin
