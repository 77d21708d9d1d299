#include "plugin/VfRestore.hpp"

#include <cerrno>

#include <spdlog/spdlog.h>

#include "linux/KernelError.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"

namespace ibvf::plugin {
namespace {

bool isOurs(const std::optional<linux::LinkInfo>& link, const node::AttachmentState& state) {
    return link && linux::formatHwaddr(link->hwaddr) == state.hwaddr;
}

}  // namespace

std::optional<linux::NetNs> openAttachmentNetNs(const node::AttachmentState& state, const std::string& netnsPath) {
    const std::string& path = netnsPath.empty() ? state.netns : netnsPath;
    if (path.empty()) return std::nullopt;
    try {
        auto ns = linux::NetNs::open(path);
        // A path from the state may now name another namespace; the runtime's own path is trusted.
        if (netnsPath.empty()) {
            if (const auto other = ns.differsFrom(state.netnsInode, state.netnsCookie)) {
                spdlog::info("{} is no longer the namespace of the attachment ({})", path, *other);
                return std::nullopt;
            }
        }
        return ns;
    } catch (const linux::KernelError& e) {
        spdlog::info("pod namespace gone ({}); looking for the VF on the host", e.what());
        return std::nullopt;
    }
}

namespace {

// Moves the netdev out of the pod. Returns false when it is not there.
bool moveBackFromPod(const node::AttachmentState& state, const linux::NetNs& podNs, const linux::NetNs& hostNs, linux::RouteSocket& host) {
    auto pod = linux::runInNetNs(podNs, [] { return linux::RouteSocket(); });
    auto link = pod.linkByName(state.ifname);
    if (!isOurs(link, state)) {
        for (auto& candidate : pod.links()) {
            if (linux::formatHwaddr(candidate.hwaddr) == state.hwaddr) link = candidate;
        }
    }
    if (!isOurs(link, state)) return false;
    // No separate "down" first: the kernel closes a running netdev as part of the move, and every
    // request that takes the RTNL lock waits behind the other pods' moves on a busy node.
    const bool nameFree = !host.linkByName(state.hostName);
    // With the original name taken on the host, move it unrenamed: the kernel refuses a clash, and
    // a VF back on the host under a pod name beats a VF stranded in a pod.
    pod.moveToNetNs(link->ifindex, hostNs.fd(),
                    nameFree ? std::optional<std::string_view>(state.hostName) : std::optional<std::string_view>(std::nullopt));
    return true;
}

std::optional<linux::LinkInfo> findOnHost(const node::AttachmentState& state, linux::RouteSocket& host) {
    for (const auto& name : {state.hostName, state.ifname}) {
        auto link = host.linkByName(name);
        if (isOurs(link, state)) return link;
    }
    if (auto link = host.linkByIndex(state.hostIfindex); isOurs(link, state)) return link;
    // Renamed by the kernel on return (name clash) or by udev: the hardware address still tells.
    for (auto& link : host.links()) {
        if (linux::formatHwaddr(link.hwaddr) == state.hwaddr) return link;
    }
    return std::nullopt;
}

void restoreOnHost(const node::AttachmentState& state, linux::RouteSocket& host, const linux::LinkInfo& link) {
    if (link.name != state.hostName) {
        if (link.adminUp) host.setAdminUp(link.ifindex, false);
        if (host.linkByName(state.hostName)) {
            spdlog::warn("cannot rename {} back to {}: the name is taken", link.name, state.hostName);
        } else {
            host.rename(link.ifindex, state.hostName);
        }
    }
    if (state.mtu != 0 && link.mtu != state.mtu) host.setMtu(link.ifindex, state.mtu);
    auto now = host.linkByIndex(link.ifindex);
    if (now && now->adminUp != state.adminUp) host.setAdminUp(link.ifindex, state.adminUp);
}

}  // namespace

void restoreVfNetdev(const node::AttachmentState& state, const std::string& netnsPath) {
    restoreVfNetdev(state, openAttachmentNetNs(state, netnsPath));
}

void restoreVfNetdev(const node::AttachmentState& state, const std::optional<linux::NetNs>& podNs) {
    auto hostNs = linux::NetNs::current();
    linux::RouteSocket host;
    if (podNs && !podNs->sameAs(hostNs)) moveBackFromPod(state, *podNs, hostNs, host);
    if (auto link = findOnHost(state, host)) {
        restoreOnHost(state, host, *link);
        spdlog::info("VF {} back on the host as {}", state.pciAddress, state.hostName);
    } else {
        spdlog::warn("VF {} netdev ({}) not found in the pod or on the host; nothing to restore", state.pciAddress, state.hwaddr);
    }
}

}  // namespace ibvf::plugin
