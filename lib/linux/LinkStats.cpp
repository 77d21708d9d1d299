#include "linux/LinkStats.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "linux/NetNs.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/NetnsSocket.hpp"

namespace ibvf::linux {

namespace linkstatsmsg {

namespace {

NlMessageBuilder getLinkRequest(std::uint16_t flags, int ifindex) {
    NlMessageBuilder b(RTM_GETLINK, flags);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    b.header(ifi);
    return b;
}

// Which of the kernel's counters each LinkStats field holds.
struct StatField {
    std::uint64_t LinkStats::*ours;
    __u64 rtnl_link_stats64::*kernels;
};
constexpr StatField kStatFields[] = {
    {&LinkStats::rxBytes, &rtnl_link_stats64::rx_bytes},
    {&LinkStats::txBytes, &rtnl_link_stats64::tx_bytes},
    {&LinkStats::rxPackets, &rtnl_link_stats64::rx_packets},
    {&LinkStats::txPackets, &rtnl_link_stats64::tx_packets},
    {&LinkStats::rxErrors, &rtnl_link_stats64::rx_errors},
    {&LinkStats::txErrors, &rtnl_link_stats64::tx_errors},
    {&LinkStats::rxDropped, &rtnl_link_stats64::rx_dropped},
    {&LinkStats::txDropped, &rtnl_link_stats64::tx_dropped},
    {&LinkStats::multicast, &rtnl_link_stats64::multicast},
    {&LinkStats::rxMissedErrors, &rtnl_link_stats64::rx_missed_errors},
    {&LinkStats::rxOverErrors, &rtnl_link_stats64::rx_over_errors},
    {&LinkStats::rxCrcErrors, &rtnl_link_stats64::rx_crc_errors},
    {&LinkStats::rxFrameErrors, &rtnl_link_stats64::rx_frame_errors},
};

}  // namespace

std::vector<std::uint8_t> dumpLinks() {
    // An explicit empty mask: no VF lists (a PF's would be most of the dump), stats included.
    return getLinkRequest(NLM_F_REQUEST | NLM_F_DUMP, 0).putU32(IFLA_EXT_MASK, 0).finish();
}

std::vector<std::uint8_t> getLink(int ifindex) { return getLinkRequest(NLM_F_REQUEST, ifindex).putU32(IFLA_EXT_MASK, 0).finish(); }

std::vector<std::uint8_t> getLink(std::string_view name) {
    return getLinkRequest(NLM_F_REQUEST, 0).putString(IFLA_IFNAME, name).putU32(IFLA_EXT_MASK, 0).finish();
}

std::optional<LinkCounters> parseLink(std::span<const std::uint8_t> newlinkMessage) {
    if (newlinkMessage.size() < NLMSG_HDRLEN + sizeof(ifinfomsg)) return std::nullopt;
    ifinfomsg ifi{};
    std::memcpy(&ifi, newlinkMessage.data() + NLMSG_HDRLEN, sizeof ifi);
    const auto attrs = nlMessageAttrs(newlinkMessage, sizeof(ifinfomsg));
    const NlAttr* name = findNlAttr(attrs, IFLA_IFNAME);
    const NlAttr* stats = findNlAttr(attrs, IFLA_STATS64);
    if (!name || !stats) return std::nullopt;

    // Older kernels send a shorter struct (fields are only ever appended): missing ones read 0.
    rtnl_link_stats64 s{};
    std::memcpy(&s, stats->payload.data(), std::min(stats->payload.size(), sizeof s));
    LinkCounters out;
    out.ifindex = ifi.ifi_index;
    out.name = nlAttrString(*name);
    out.adminUp = (ifi.ifi_flags & IFF_UP) != 0;
    out.lowerUp = (ifi.ifi_flags & IFF_LOWER_UP) != 0;
    for (const auto& [ours, kernels] : kStatFields) out.stats.*ours = s.*kernels;
    return out;
}

}  // namespace linkstatsmsg

// ---------------------------------------------------------------------------------------------

struct LinkStatsReader::Impl : NamespacedSocket {
    ReadResult<LinkCounters> one(std::vector<std::uint8_t> request, const std::string& link) {
        std::optional<LinkCounters> found;
        const auto outcome = socket.request(std::move(request), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
            if (type == RTM_NEWLINK && !found) found = linkstatsmsg::parseLink(msg);
        });
        const std::string what = "read stats of link " + link + where();
        if (outcome.error == ENODEV) return netlinkReadError(outcome, what, ReadFailure::DeviceGone);
        if (outcome.error) return netlinkReadError(outcome, what);
        if (!found) return ReadError{ReadFailure::Failed, EPROTO, what + ": the kernel's reply has no IFLA_STATS64"};
        return std::move(*found);
    }
};

LinkStatsReader::LinkStatsReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LinkStatsReader::~LinkStatsReader() = default;
LinkStatsReader::LinkStatsReader(LinkStatsReader&&) noexcept = default;
LinkStatsReader& LinkStatsReader::operator=(LinkStatsReader&&) noexcept = default;

ReadResult<LinkStatsReader> LinkStatsReader::open(const NetNs& ns) { return over(openNetlinkSocketIn(ns, NETLINK_ROUTE, "rtnetlink")); }

LinkStatsReader LinkStatsReader::here() {
    return LinkStatsReader(std::make_unique<Impl>(Impl{{NetlinkSocket(NETLINK_ROUTE, "rtnetlink"), {}}}));
}

ReadResult<LinkStatsReader> LinkStatsReader::over(ReadResult<NamespacedSocket> opened) {
    if (!opened) return opened.error();
    return LinkStatsReader(std::make_unique<Impl>(Impl{std::move(opened).value()}));
}

const std::string& LinkStatsReader::netnsPath() const { return impl_->netnsPath; }

ReadResult<std::map<std::string, LinkCounters>> LinkStatsReader::all() {
    std::map<std::string, LinkCounters> links;
    const auto outcome = impl_->socket.request(linkstatsmsg::dumpLinks(), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
        if (type != RTM_NEWLINK) return;
        if (auto link = linkstatsmsg::parseLink(msg)) {
            std::string name = link->name;
            links.insert_or_assign(std::move(name), std::move(*link));
        }
    });
    if (outcome.error) return netlinkReadError(outcome, "read link stats" + impl_->where());
    return links;
}

ReadResult<LinkCounters> LinkStatsReader::byName(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        return ReadError{ReadFailure::Failed, EINVAL, "invalid netdev name \"" + std::string(name) + "\""};
    return impl_->one(linkstatsmsg::getLink(name), std::string(name));
}

ReadResult<LinkCounters> LinkStatsReader::byIndex(int ifindex) {
    if (ifindex <= 0) return ReadError{ReadFailure::Failed, EINVAL, "invalid ifindex " + std::to_string(ifindex)};
    return impl_->one(linkstatsmsg::getLink(ifindex), "ifindex " + std::to_string(ifindex));
}

}  // namespace ibvf::linux
