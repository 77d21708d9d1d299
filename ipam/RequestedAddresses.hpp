#pragma once
// Addresses a runtime or user asks for: runtimeConfig.ips (capability "ips"), args.cni.ips, and
// CNI_ARGS IP= (comma-separated), as host-local reads them.
#include <vector>

#include "cni/Dispatch.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::ipam {

// In that order, duplicates dropped. Entries may carry a prefix length ("10.1.2.3/24"), which is
// ignored: the range's subnet decides it. Throws cni::Error(InvalidNetworkConfig) for a bad entry
// in the config, cni::Error(InvalidEnvironment) for a bad one in CNI_ARGS.
std::vector<net::IpAddress> requestedAddresses(const cni::Request& req);

}  // namespace ibvf::ipam
