#pragma once
// VF settings that only the PF's driver can change: InfiniBand node/port GUIDs and the
// administrative link state. This is the narrow seam between the plugin and hardware: the plugin
// talks to VfControl, production uses NetlinkVfControl, tests use a recording fake
// (tests/support/RecordingVfControl.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::linux {

// Values of IFLA_VF_LINK_STATE_*.
enum class VfLinkState : std::uint32_t { Auto = 0, Enable = 1, Disable = 2 };

std::string_view vfLinkStateName(VfLinkState state);  // "auto", "enable", "disable"
// (Not named toString: doctest finds a toString by ADL and then fails to print the value.)
std::optional<VfLinkState> parseVfLinkState(std::string_view text);  // the netconf's link_state words

struct VfSettings {
    int vfIndex = 0;
    std::optional<VfLinkState> linkState;
    // Only when the driver reports them (mlx5 does; the kernel leaves them out otherwise).
    std::optional<std::uint64_t> nodeGuid;
    std::optional<std::uint64_t> portGuid;
};

// An interface: its destructor is out of line only to anchor the vtable.
class VfControl {  // NOLINT(cppcoreguidelines-special-member-functions)
public:
    virtual ~VfControl();
    // GUIDs in host order, the big-endian reading of their text (Guid::value()). The node GUID is
    // set first; the kernel applies one GUID per request, so a failure on the port GUID leaves
    // the node GUID changed (the error says which one failed).
    virtual void setGuids(int pfIfindex, int vfIndex, std::uint64_t nodeGuid, std::uint64_t portGuid) = 0;
    virtual void setLinkState(int pfIfindex, int vfIndex, VfLinkState state) = 0;
    // Throws KernelError (ENODEV) when the PF reports no such VF.
    virtual VfSettings get(int pfIfindex, int vfIndex) = 0;
};

// The requests NetlinkVfControl sends, as bytes (exposed for exact-bytes tests).
namespace vfmsg {
enum class GuidKind { Node, Port };
// RTM_SETLINK (NLM_F_REQUEST|NLM_F_ACK) on the PF:
//   ifinfomsg{ifi_index = pf} IFLA_VFINFO_LIST{IFLA_VF_INFO{IFLA_VF_IB_{NODE,PORT}_GUID{vf, guid}}}
std::vector<std::uint8_t> setGuid(int pfIfindex, int vfIndex, GuidKind kind, std::uint64_t guid);
// Same shape with IFLA_VF_LINK_STATE{vf, state}.
std::vector<std::uint8_t> setLinkState(int pfIfindex, int vfIndex, VfLinkState state);
// RTM_GETLINK (NLM_F_REQUEST) for the PF with IFLA_EXT_MASK = RTEXT_FILTER_VF|RTEXT_FILTER_SKIP_STATS.
std::vector<std::uint8_t> getLink(int pfIfindex);

// The VFs in an RTM_NEWLINK reply's IFLA_VFINFO_LIST (empty when it has none).
std::vector<VfSettings> parseVfList(std::span<const std::uint8_t> newlinkMessage);
}  // namespace vfmsg

// Sends the vfmsg requests over rtnetlink in the namespace the calling thread is in when the
// object is created (the PF's: the host's). Errors are KernelError with the kernel's errno:
//   "set GUIDs of VF 3 on PF ib0 (ifindex 5): Operation not supported"
class NetlinkVfControl final : public VfControl {
public:
    NetlinkVfControl();
    ~NetlinkVfControl() override;
    NetlinkVfControl(const NetlinkVfControl&) = delete;
    NetlinkVfControl& operator=(const NetlinkVfControl&) = delete;

    void setGuids(int pfIfindex, int vfIndex, std::uint64_t nodeGuid, std::uint64_t portGuid) override;
    void setLinkState(int pfIfindex, int vfIndex, VfLinkState state) override;
    VfSettings get(int pfIfindex, int vfIndex) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
