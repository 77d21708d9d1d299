#include "linux/VfStateReader.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "linux/NetlinkSocket.hpp"
#include "linux/NetnsSocket.hpp"

namespace ibvf::linux {

std::vector<std::uint8_t> vfmsg::getLinkByName(std::string_view pfName) {
    NlMessageBuilder b(RTM_GETLINK, NLM_F_REQUEST);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    b.header(ifi);
    b.putString(IFLA_IFNAME, pfName);
    b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
    return b.finish();
}

struct VfStateReader::Impl {
    NetlinkSocket sock{NETLINK_ROUTE, "rtnetlink"};

    ReadResult<std::vector<VfSettings>> read(std::vector<std::uint8_t> request, const std::string& pf) {
        std::optional<std::vector<VfSettings>> vfs;
        const auto outcome = sock.request(std::move(request), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
            if (type == RTM_NEWLINK && !vfs) vfs = vfmsg::parseVfList(msg);
        });
        const std::string what = "read the VFs of PF " + pf;
        if (outcome.error == ENODEV) return netlinkReadError(outcome, what, ReadFailure::DeviceGone);
        if (outcome.error) return netlinkReadError(outcome, what);
        if (!vfs) return ReadError{ReadFailure::Failed, EPROTO, what + ": the kernel sent no RTM_NEWLINK"};
        return std::move(*vfs);
    }
};

VfStateReader::VfStateReader() : impl_(std::make_unique<Impl>()) {}
VfStateReader::~VfStateReader() = default;
VfStateReader::VfStateReader(VfStateReader&&) noexcept = default;
VfStateReader& VfStateReader::operator=(VfStateReader&&) noexcept = default;

ReadResult<std::vector<VfSettings>> VfStateReader::read(int pfIfindex) {
    const std::string pf = "ifindex " + std::to_string(pfIfindex);
    if (pfIfindex <= 0) return ReadError{ReadFailure::Failed, EINVAL, "read the VFs of PF " + pf + ": not an ifindex"};
    return impl_->read(vfmsg::getLink(pfIfindex), pf);
}

ReadResult<std::vector<VfSettings>> VfStateReader::read(std::string_view pfName) {
    if (pfName.empty() || pfName.size() >= IFNAMSIZ)
        return ReadError{ReadFailure::Failed, EINVAL, "read the VFs of PF \"" + std::string(pfName) + "\": not a netdev name"};
    return impl_->read(vfmsg::getLinkByName(pfName), std::string(pfName));
}

}  // namespace ibvf::linux
