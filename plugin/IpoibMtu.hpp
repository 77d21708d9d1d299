#pragma once
// The MTU limits of an IPoIB netdev, checked before ADD changes anything: the kernel would refuse
// a too-large MTU with a bare EINVAL halfway through the ADD.
#include <optional>
#include <string>
#include <string_view>

#include "linux/RouteSocket.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::plugin {

// Largest MTU of an IPoIB netdev in `mode` ("datagram": a 4 KiB IB MTU less the 4-byte IPoIB
// header; "connected": the driver's limit). nullopt for an unknown mode.
std::optional<unsigned> ipoibMaxMtu(std::string_view mode);

// cni::Error(InvalidNetworkConfig) when `mtu` does not fit the VF netdev `link` (an IPoIB netdev,
// judged by its ARPHRD and its sysfs "mode"); other netdevs are left to the kernel.
void requireMtuFits(unsigned mtu, const linux::LinkInfo& link, const linux::Sysfs& sysfs, const std::string& pciAddress);

}  // namespace ibvf::plugin
