#include "plugin/Check.hpp"

#include <algorithm>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "plugin/IpamClient.hpp"
#include "plugin/PodNetNs.hpp"
#include "plugin/RouteResolution.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

[[noreturn]] void mismatch(const std::string& what, const std::string& details) {
    throw Error(ErrorCode::SystemFailure, "CHECK failed: " + what, details);
}

bool sameRoute(const linux::RouteSpec& want, const linux::RouteSpec& have) {
    return want.dst.network() == have.dst.network() && want.dst.length == have.dst.length && (!want.gw || want.gw == have.gw);
}

// CNI_IFNAME is the child ADD made, and the VF is still in the pod as its parent.
void checkPartitionChild(const node::AttachmentState& state, linux::RouteSocket& pod, const linux::LinkInfo& child) {
    if (state.childIfindex != 0 && child.ifindex != state.childIfindex) {
        mismatch(state.ifname + " is not the partition child made at ADD",
                 "expected ifindex " + std::to_string(state.childIfindex) + ", found " + std::to_string(child.ifindex));
    }
    auto parent = pod.linkByName(state.podParentName);
    if (!parent || linux::formatHwaddr(parent->hwaddr) != state.hwaddr) {
        mismatch("the VF is no longer in the pod as " + state.podParentName, "VF " + state.pciAddress);
    }
}

void checkVfioVf(const node::AttachmentState& state, const PluginContext& ctx) {
    std::string driver;
    try {
        driver = ctx.sysfs.vf(state.pciAddress).driver;
    } catch (const linux::KernelError& e) {
        mismatch("VF " + state.pciAddress + " is gone", e.what());
    }
    if (driver != "vfio-pci") mismatch("VF " + state.pciAddress + " is no longer bound to vfio-pci", "driver '" + driver + "'");
}

}  // namespace

void check(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx) {
    const auto& env = req.env;
    auto state = ctx.store.load(env.containerId, env.ifname);
    if (!state || state->phase != node::AttachPhase::Attached) {
        throw Error(ErrorCode::UnknownContainer, "no attachment of " + env.ifname + " for container " + env.containerId);
    }
    const cni::Result expected = req.conf.prevResult ? *req.conf.prevResult : state->result.value_or(cni::Result{});

    if (state->vfioPciMode) {
        checkVfioVf(*state, ctx);
        return;
    }
    const auto podNs = openPodNetNs(env.netns);
    auto pod = linux::runInNetNs(podNs, [] { return linux::RouteSocket(); });
    auto link = pod.linkByName(env.ifname);
    if (!link) mismatch(env.ifname + " is missing from " + env.netns, "VF " + state->pciAddress);
    if (state->pkey) {
        checkPartitionChild(*state, pod, *link);
    } else if (linux::formatHwaddr(link->hwaddr) != state->hwaddr) {
        mismatch(env.ifname + " is not the attached VF",
                 "expected hardware address " + state->hwaddr + ", found " + linux::formatHwaddr(link->hwaddr));
    }
    int ourIndex = -1;
    for (std::size_t i = 0; i < expected.interfaces.size(); ++i) {
        const auto& iface = expected.interfaces[i];
        if (iface.name != env.ifname || (!iface.sandbox.empty() && iface.sandbox != env.netns)) continue;
        ourIndex = static_cast<int>(i);
        if (iface.mtu && *iface.mtu != link->mtu) {
            mismatch("MTU of " + env.ifname, "expected " + std::to_string(*iface.mtu) + ", found " + std::to_string(link->mtu));
        }
    }
    if (cfg.mtu && *cfg.mtu != link->mtu) {
        mismatch("MTU of " + env.ifname, "configured " + std::to_string(*cfg.mtu) + ", found " + std::to_string(link->mtu));
    }

    const auto present = pod.addresses(link->ifindex);
    for (const auto& ip : expected.ips) {
        if (ip.interfaceIndex && *ip.interfaceIndex != ourIndex) continue;
        const bool found =
            std::any_of(present.begin(), present.end(), [&](const linux::AddressInfo& a) { return a.address == ip.address; });
        if (!found) mismatch("address " + ip.address.toString() + " missing from " + env.ifname, env.netns);
    }
    for (const auto& route : expected.routes) {
        const auto want = toRouteSpec(route, expected.ips, link->ifindex);
        const auto table = want.table ? want.table : std::nullopt;
        const auto have = pod.routes(0, route.dst.family(), table);
        if (!std::any_of(have.begin(), have.end(), [&](const linux::RouteSpec& r) { return sameRoute(want, r); })) {
            mismatch("route to " + route.dst.toString() + " missing", env.netns);
        }
    }
    if (auto ipam = makeIpamClient(cfg.ipamType)) ipam->check(req);
}

}  // namespace ibvf::plugin
