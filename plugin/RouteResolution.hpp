#pragma once
#include <vector>

#include "cni/Result.hpp"
#include "linux/RouteSocket.hpp"

namespace ibvf::plugin {

// A CNI route without "gw" uses the gateway of the same family's IP config (the spec's "default
// gateway determined by the plugin"); without one it is a link-scope route.
linux::RouteSpec toRouteSpec(const cni::Route& route, const std::vector<cni::IpConfig>& ips, int ifindex);

}  // namespace ibvf::plugin
