#pragma once
// Netdev counters (IFLA_STATS64) read over rtnetlink inside a given network namespace: the VF's
// IPoIB netdev on the host or in a pod. The socket is opened inside the namespace (a scoped
// setns of the calling thread, undone before the constructor returns) and then driven from
// wherever the caller is; one RTM_GETLINK dump answers for every link there.
//
// A reader's socket and namespace handle keep the namespace alive (and with it the VF netdev
// inside, which returns to the host only when the namespace is freed): hold a reader for one
// scrape, never across scrapes.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "linux/ReadResult.hpp"

namespace ibvf::linux {

class NetNs;
struct NamespacedSocket;

// The fields of the kernel's struct rtnl_link_stats64 a collector needs. Monotonic until the
// netdev is recreated (a new netdev starts at 0).
struct LinkStats {
    std::uint64_t rxBytes = 0;
    std::uint64_t txBytes = 0;
    std::uint64_t rxPackets = 0;
    std::uint64_t txPackets = 0;
    std::uint64_t rxErrors = 0;
    std::uint64_t txErrors = 0;
    std::uint64_t rxDropped = 0;
    std::uint64_t txDropped = 0;
    std::uint64_t multicast = 0;  // received
    std::uint64_t rxMissedErrors = 0;
    std::uint64_t rxOverErrors = 0;
    std::uint64_t rxCrcErrors = 0;
    std::uint64_t rxFrameErrors = 0;
};

struct LinkCounters {
    int ifindex = 0;
    std::string name;
    bool adminUp = false;  // IFF_UP
    bool lowerUp = false;  // IFF_LOWER_UP (carrier)
    LinkStats stats;
};

// The requests LinkStatsReader sends and the parser of their replies (exact-bytes tests).
namespace linkstatsmsg {
// RTM_GETLINK, NLM_F_REQUEST|NLM_F_DUMP, ifinfomsg{AF_UNSPEC}, IFLA_EXT_MASK = 0 (no VF lists).
std::vector<std::uint8_t> dumpLinks();
// RTM_GETLINK, NLM_F_REQUEST, ifinfomsg{ifi_index} (0 when by name) [+ IFLA_IFNAME name].
std::vector<std::uint8_t> getLink(int ifindex);
std::vector<std::uint8_t> getLink(std::string_view name);
// An RTM_NEWLINK message; nullopt when it has no name or no IFLA_STATS64.
std::optional<LinkCounters> parseLink(std::span<const std::uint8_t> newlinkMessage);
}  // namespace linkstatsmsg

class LinkStatsReader {
public:
    // Inside `ns`: a pod's namespace comes from openRecordedNetns (linux/NetnsSocket.hpp), which
    // says when it is gone. Failed when no socket can be opened there.
    static ReadResult<LinkStatsReader> open(const NetNs& ns);
    // The calling thread's namespace (the host's, for VF netdevs not moved into a pod). Throws
    // KernelError only when no netlink socket can be opened at all.
    static LinkStatsReader here();

    ~LinkStatsReader();
    LinkStatsReader(LinkStatsReader&&) noexcept;
    LinkStatsReader& operator=(LinkStatsReader&&) noexcept;
    LinkStatsReader(const LinkStatsReader&) = delete;
    LinkStatsReader& operator=(const LinkStatsReader&) = delete;

    const std::string& netnsPath() const;  // for messages; "" for here()

    // Every link of the namespace, by name, in one dump request.
    ReadResult<std::map<std::string, LinkCounters>> all();
    // One link; DeviceGone when there is no such link in the namespace.
    ReadResult<LinkCounters> byName(std::string_view name);
    ReadResult<LinkCounters> byIndex(int ifindex);

private:
    struct Impl;
    explicit LinkStatsReader(std::unique_ptr<Impl> impl);
    static ReadResult<LinkStatsReader> over(ReadResult<NamespacedSocket> opened);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
