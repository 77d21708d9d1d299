#include "plugin/RouteResolution.hpp"

namespace ibvf::plugin {

linux::RouteSpec toRouteSpec(const cni::Route& route, const std::vector<cni::IpConfig>& ips, int ifindex) {
    linux::RouteSpec spec;
    spec.dst = route.dst;
    spec.ifindex = ifindex;
    spec.gw = route.gw;
    if (!spec.gw) {
        for (const auto& ip : ips) {
            if (ip.gateway && ip.address.family() == route.dst.family()) {
                spec.gw = ip.gateway;
                break;
            }
        }
    }
    auto u32 = [](std::optional<int> v) -> std::optional<std::uint32_t> {
        if (!v || *v < 0) return std::nullopt;
        return static_cast<std::uint32_t>(*v);
    };
    spec.mtu = u32(route.mtu);
    spec.advmss = u32(route.advmss);
    spec.priority = u32(route.priority);
    spec.table = u32(route.table);
    spec.scope = route.scope;
    return spec;
}

}  // namespace ibvf::plugin
