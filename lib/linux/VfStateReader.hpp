#pragma once
// Every VF of one PF as the PF's driver reports it (IFLA_VFINFO_LIST): administrative link state
// and InfiniBand GUIDs, in one RTM_GETLINK, parsed by vfmsg::parseVfList (linux/VfControl.hpp).
// Read-only and with its own socket, so a metrics thread never shares NetlinkVfControl's.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "linux/ReadResult.hpp"
#include "linux/VfControl.hpp"

namespace ibvf::linux {

namespace vfmsg {
// RTM_GETLINK (NLM_F_REQUEST) by name: ifinfomsg{0}, IFLA_IFNAME, IFLA_EXT_MASK =
// RTEXT_FILTER_VF|RTEXT_FILTER_SKIP_STATS. (By ifindex: vfmsg::getLink.)
std::vector<std::uint8_t> getLinkByName(std::string_view pfName);
}  // namespace vfmsg

class VfStateReader {
public:
    // rtnetlink in the calling thread's namespace (the PF's: the host's). Throws KernelError
    // only when no netlink socket can be opened at all.
    VfStateReader();
    ~VfStateReader();
    VfStateReader(VfStateReader&&) noexcept;
    VfStateReader& operator=(VfStateReader&&) noexcept;
    VfStateReader(const VfStateReader&) = delete;
    VfStateReader& operator=(const VfStateReader&) = delete;

    // The PF's VFs in the kernel's order (by VF index); empty when it has none. DeviceGone when
    // there is no such PF netdev.
    ReadResult<std::vector<VfSettings>> read(int pfIfindex);
    ReadResult<std::vector<VfSettings>> read(std::string_view pfName);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
