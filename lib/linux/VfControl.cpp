#include "linux/VfControl.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "linux/KernelError.hpp"
#include "linux/NetlinkSocket.hpp"

namespace ibvf::linux {

VfControl::~VfControl() = default;

std::string_view vfLinkStateName(VfLinkState state) {
    switch (state) {
        case VfLinkState::Auto:
            return "auto";
        case VfLinkState::Enable:
            return "enable";
        case VfLinkState::Disable:
            return "disable";
    }
    return "unknown";
}

std::optional<VfLinkState> parseVfLinkState(std::string_view text) {
    if (text == "auto") return VfLinkState::Auto;
    if (text == "enable") return VfLinkState::Enable;
    if (text == "disable") return VfLinkState::Disable;
    return std::nullopt;
}

namespace vfmsg {

namespace {

NlMessageBuilder setLinkOn(int pfIfindex) {
    NlMessageBuilder b(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = pfIfindex;
    b.header(ifi);
    return b;
}

// IFLA_VFINFO_LIST { IFLA_VF_INFO { <one VF attribute> } }
template <class T>
std::vector<std::uint8_t> oneVfAttribute(int pfIfindex, std::uint16_t type, const T& value) {
    NlMessageBuilder b = setLinkOn(pfIfindex);
    const auto list = b.beginNested(IFLA_VFINFO_LIST);
    const auto info = b.beginNested(IFLA_VF_INFO);
    b.putStruct(type, value);
    b.endNested(info);
    b.endNested(list);
    return b.finish();
}

}  // namespace

std::vector<std::uint8_t> setGuid(int pfIfindex, int vfIndex, GuidKind kind, std::uint64_t guid) {
    ifla_vf_guid g;
    std::memset(&g, 0, sizeof g);  // the padding after `vf` goes on the wire
    g.vf = static_cast<std::uint32_t>(vfIndex);
    g.guid = guid;
    return oneVfAttribute(pfIfindex, kind == GuidKind::Node ? IFLA_VF_IB_NODE_GUID : IFLA_VF_IB_PORT_GUID, g);
}

std::vector<std::uint8_t> setLinkState(int pfIfindex, int vfIndex, VfLinkState state) {
    ifla_vf_link_state s{};
    s.vf = static_cast<std::uint32_t>(vfIndex);
    s.link_state = static_cast<std::uint32_t>(state);
    return oneVfAttribute(pfIfindex, IFLA_VF_LINK_STATE, s);
}

std::vector<std::uint8_t> getLink(int pfIfindex) {
    NlMessageBuilder b(RTM_GETLINK, NLM_F_REQUEST);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = pfIfindex;
    b.header(ifi);
    b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
    return b.finish();
}

std::vector<VfSettings> parseVfList(std::span<const std::uint8_t> newlinkMessage) {
    std::vector<VfSettings> out;
    const auto attrs = nlMessageAttrs(newlinkMessage, sizeof(ifinfomsg));
    const NlAttr* list = findNlAttr(attrs, IFLA_VFINFO_LIST);
    if (!list) return out;
    for (const NlAttr& info : nlAttrs(list->payload)) {
        if (info.type != IFLA_VF_INFO) continue;
        const auto vfAttrs = nlAttrs(info.payload);
        // Every VF attribute starts with the VF number; IFLA_VF_MAC is always sent.
        const auto mac = nlAttrAs<ifla_vf_mac>(findNlAttr(vfAttrs, IFLA_VF_MAC));
        const auto state = nlAttrAs<ifla_vf_link_state>(findNlAttr(vfAttrs, IFLA_VF_LINK_STATE));
        const auto node = nlAttrAs<ifla_vf_guid>(findNlAttr(vfAttrs, IFLA_VF_IB_NODE_GUID));
        const auto port = nlAttrAs<ifla_vf_guid>(findNlAttr(vfAttrs, IFLA_VF_IB_PORT_GUID));
        VfSettings vf;
        if (mac)
            vf.vfIndex = static_cast<int>(mac->vf);
        else if (state)
            vf.vfIndex = static_cast<int>(state->vf);
        else
            continue;
        if (state && state->link_state <= static_cast<std::uint32_t>(VfLinkState::Disable))
            vf.linkState = static_cast<VfLinkState>(state->link_state);
        if (node) vf.nodeGuid = node->guid;
        if (port) vf.portGuid = port->guid;
        out.push_back(vf);
    }
    return out;
}

}  // namespace vfmsg

// ---------------------------------------------------------------------------------------------

struct NetlinkVfControl::Impl {
    NetlinkSocket sock{NETLINK_ROUTE, "rtnetlink"};

    // The PF's name for error messages, looked up only on the error path; "PF ib0 (ifindex 5)".
    std::string pfLabel(int pfIfindex) {
        std::string name;
        NlMessageBuilder b(RTM_GETLINK, NLM_F_REQUEST);
        ifinfomsg ifi{};
        ifi.ifi_index = pfIfindex;
        b.header(ifi);
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        try {
            sock.request(b.finish(), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
                if (type != RTM_NEWLINK) return;
                const auto attrs = nlMessageAttrs(msg, sizeof(ifinfomsg));
                if (const NlAttr* n = findNlAttr(attrs, IFLA_IFNAME)) name = nlAttrString(*n);
            });
        } catch (...) {
            // Best effort: the original failure is what the caller must see.
        }
        const std::string index = "ifindex " + std::to_string(pfIfindex);
        return name.empty() ? "PF " + index : "PF " + name + " (" + index + ")";
    }

    void send(std::vector<std::uint8_t> msg, int pfIfindex, const std::string& action, const std::string& note = {}) {
        const auto outcome = sock.request(std::move(msg));
        if (outcome.error) throwNetlinkFailure(outcome, action + " on " + pfLabel(pfIfindex) + note);
    }
};

NetlinkVfControl::NetlinkVfControl() : impl_(std::make_unique<Impl>()) {}
NetlinkVfControl::~NetlinkVfControl() = default;

void NetlinkVfControl::setGuids(int pfIfindex, int vfIndex, std::uint64_t nodeGuid, std::uint64_t portGuid) {
    // Two requests: the kernel's do_setvfinfo() returns after the first GUID attribute it
    // handles, so a port GUID sent along with the node GUID would be silently ignored.
    const std::string vf = "VF " + std::to_string(vfIndex);
    impl_->send(vfmsg::setGuid(pfIfindex, vfIndex, vfmsg::GuidKind::Node, nodeGuid), pfIfindex, "set GUIDs of " + vf);
    impl_->send(vfmsg::setGuid(pfIfindex, vfIndex, vfmsg::GuidKind::Port, portGuid), pfIfindex, "set port GUID of " + vf,
                " (its node GUID is already set)");
}

void NetlinkVfControl::setLinkState(int pfIfindex, int vfIndex, VfLinkState state) {
    impl_->send(vfmsg::setLinkState(pfIfindex, vfIndex, state), pfIfindex,
                "set link state of VF " + std::to_string(vfIndex) + " to " + std::string(vfLinkStateName(state)));
}

VfSettings NetlinkVfControl::get(int pfIfindex, int vfIndex) {
    std::optional<std::vector<VfSettings>> vfs;
    const auto outcome = impl_->sock.request(vfmsg::getLink(pfIfindex), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
        if (type == RTM_NEWLINK) vfs = vfmsg::parseVfList(msg);
    });
    const std::string what = "read settings of VF " + std::to_string(vfIndex) + " on ";
    if (outcome.error) throwNetlinkFailure(outcome, what + impl_->pfLabel(pfIfindex));
    if (vfs)
        for (const auto& vf : *vfs)
            if (vf.vfIndex == vfIndex) return vf;
    const std::size_t count = vfs ? vfs->size() : 0;
    throwErr(ENODEV, what + impl_->pfLabel(pfIfindex) + ": no such VF (the PF reports " + std::to_string(count) + " VF" +
                         (count == 1 ? "" : "s") + ")");
}

}  // namespace ibvf::linux
