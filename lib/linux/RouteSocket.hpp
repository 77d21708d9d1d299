#pragma once
// rtnetlink through libnl-route-3. One RouteSocket talks to the namespace it was created in; no
// libnl type leaks out of this header, so the plugin never reaches around this layer.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/IpAddress.hpp"

namespace ibvf::linux {

struct LinkInfo {
    int ifindex = 0;
    std::string name;
    unsigned mtu = 0;
    std::vector<std::uint8_t> hwaddr;  // 6 bytes ethernet, 20 bytes IPoIB
    unsigned arptype = 0;              // ARPHRD_*, 32 = InfiniBand
    bool adminUp = false;              // IFF_UP
    bool carrier = false;              // IFF_LOWER_UP
    std::string kind;                  // rtnl link kind ("veth", "ipoib", ...) or empty
    std::vector<std::string> altnames;
};

std::string formatHwaddr(const std::vector<std::uint8_t>& bytes);  // "aa:bb:..."

struct AddressInfo {
    int ifindex = 0;
    net::IpPrefix address;  // local address with prefix length
    int scope = 0;
};

struct AddressOptions {
    // IPv6 only: skip duplicate address detection (IFA_F_NODAD), so the address is usable at
    // once instead of staying "tentative" for about a second after the link comes up.
    bool noDad = false;
};

struct RouteSpec {
    net::IpPrefix dst;  // 0.0.0.0/0 or ::/0 for default
    std::optional<net::IpAddress> gw;
    int ifindex = 0;  // output device
    std::optional<std::uint32_t> mtu;
    std::optional<std::uint32_t> advmss;
    std::optional<std::uint32_t> priority;
    std::optional<std::uint32_t> table;  // default RT_TABLE_MAIN
    std::optional<int> scope;            // default: link when no gw, universe otherwise
};

// Not thread-safe: one RouteSocket per thread (they are cheap: two sockets, no dumps).
class RouteSocket {
public:
    RouteSocket();  // NETLINK_ROUTE in the calling thread's current namespace
    ~RouteSocket();
    RouteSocket(RouteSocket&&) noexcept;
    RouteSocket& operator=(RouteSocket&&) noexcept;
    RouteSocket(const RouteSocket&) = delete;
    RouteSocket& operator=(const RouteSocket&) = delete;

    // Names resolve like the kernel's own lookups (and waitForLink): an altname matches too.
    std::optional<LinkInfo> linkByName(std::string_view name);
    std::optional<LinkInfo> linkByIndex(int ifindex);
    std::vector<LinkInfo> links();
    // The cookie of the namespace this socket talks to (NetNs::cookie), without entering it.
    std::uint64_t netnsCookie() const;

    // Every mutator throws KernelError naming the link ("link eth3 (ifindex 7)") and errno.
    void setAdminUp(int ifindex, bool up);
    // Kernels before 6.2 refuse to rename a link that is up (EBUSY); newer ones allow it.
    void rename(int ifindex, std::string_view newName);
    void setMtu(int ifindex, unsigned mtu);
    // One RTM_NEWLINK with IFLA_NET_NS_FD (+ IFLA_IFNAME when newName is set): move and rename
    // cost one kernel netns switch. Not atomic when newName is taken in the target: unless the
    // old name is taken there too, the kernel moves the link under its old name, then fails the
    // rename with EEXIST (the message says so). Check the target namespace first.
    void moveToNetNs(int ifindex, int netnsFd, std::optional<std::string_view> newName = std::nullopt);
    void deleteAltname(int ifindex, std::string_view altname);  // RTM_DELLINKPROP
    void addAltname(int ifindex, std::string_view altname);     // RTM_NEWLINKPROP (undo of delete)

    // ifindex 0 = every link.
    std::vector<AddressInfo> addresses(int ifindex, std::optional<net::Family> family = std::nullopt);
    void addAddress(int ifindex, const net::IpPrefix& address);  // EEXIST is an error
    void addAddress(int ifindex, const net::IpPrefix& address, const AddressOptions& options);
    void deleteAddress(int ifindex, const net::IpPrefix& address);  // ENOENT/EADDRNOTAVAIL tolerated

    void addRoute(const RouteSpec& route);     // EEXIST is an error
    void deleteRoute(const RouteSpec& route);  // ESRCH tolerated
    // Routes of the main table (or `table`) whose output device is `ifindex` (0 = any).
    std::vector<RouteSpec> routes(int ifindex, net::Family family, std::optional<std::uint32_t> table = std::nullopt);

    // Blocks until a link with this ifindex (or name) appears or the timeout passes, using
    // RTNLGRP_LINK events, not polling. Returns nullopt on timeout.
    std::optional<LinkInfo> waitForLink(std::string_view name, int timeoutMs);
    // Blocks until `currentName()` names a link that exists, asking it again after every link
    // event (RTNLGRP_LINK), never on a timer. For a device whose netdev name is only known once
    // its driver has probed it (read from sysfs after a rebind). nullopt on timeout.
    std::optional<LinkInfo> waitForLinkNamedBy(const std::function<std::optional<std::string>()>& currentName, int timeoutMs);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
