#pragma once
// Throw-away network topology for integration tests: named namespaces (as `ip netns add` makes
// them, without running `ip`), veth pairs that stand in for VFs, and snapshots of a namespace
// to prove it was left exactly as found. Built on libnl directly, not on RouteSocket, so the
// kernel layer is checked against an independent implementation.
//
// Every object cleans up in its destructor, so a failing CHECK never leaks a namespace or link.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linux/NetNs.hpp"

namespace ibvf::test {

// "<prefix><pid>x<counter>": unique within this process and across concurrently running test
// binaries, at most 15 bytes (a valid interface name). Throws std::length_error if the prefix
// makes it longer.
std::string uniqueName(std::string_view prefix = "ibt");

// A named network namespace at /run/netns/<name>, created by a helper thread that unshares and
// bind-mounts its namespace there; the calling thread never changes namespace. Links still
// inside when it is destroyed go with it (veths die, physical devices return to the host).
class ScopedNetns {
public:
    ScopedNetns();  // name from uniqueName()
    explicit ScopedNetns(std::string name);
    ~ScopedNetns();
    ScopedNetns(const ScopedNetns&) = delete;
    ScopedNetns& operator=(const ScopedNetns&) = delete;

    const std::string& name() const { return name_; }
    const std::string& path() const { return path_; }
    linux::NetNs open() const { return linux::NetNs::open(path_); }

private:
    std::string name_;
    std::string path_;
};

// A veth pair: `a` in the calling thread's namespace, its peer `b` there too or in the
// namespace at `peerNetnsPath`. Both ends are created down. The destructor deletes the pair
// wherever it is found: `b` where it was created, then `a` in the creating namespace and in
// every namespace given to alsoSearch() (code under test may have moved and renamed `a`).
class VethPair {
public:
    VethPair(std::string a, std::string b, std::optional<std::string> peerNetnsPath = std::nullopt);
    VethPair();  // both names from uniqueName()
    ~VethPair();
    VethPair(const VethPair&) = delete;
    VethPair& operator=(const VethPair&) = delete;

    const std::string& a() const { return a_; }
    const std::string& b() const { return b_; }
    int aIndex() const { return aIndex_; }  // ifindex at creation, in the creating namespace
    void alsoSearch(std::string netnsPath) { extraNs_.push_back(std::move(netnsPath)); }

private:
    std::string a_;
    std::string b_;
    std::optional<std::string> peerNs_;
    linux::NetNs home_;
    int aIndex_ = 0;
    std::vector<std::string> extraNs_;
};

// A link as seen by libnl. `netnsPath` empty = the calling thread's namespace.
struct LinkState {
    int ifindex = 0;
    std::string name;
    unsigned mtu = 0;
    bool up = false;
    std::string hwaddr;  // "aa:bb:..", lower case
    std::vector<std::string> altnames;
};
std::optional<LinkState> linkIn(const std::string& netnsPath, const std::string& name);
bool linkExistsIn(const std::string& netnsPath, const std::string& name);

// Adds an alternative name with RTM_NEWLINKPROP (what `ip link property add altname` sends).
void addAltname(int ifindex, const std::string& altname, const std::string& netnsPath = {});

// Deletes a link by name; false when there is none (a veth takes its peer with it).
bool deleteLink(const std::string& name, const std::string& netnsPath = {});

// "10.1.2.3/24", "fd00::5/64" for every address of `ifname`, sorted. IPv6 link-local addresses
// are left out unless asked for.
std::vector<std::string> addressesIn(const std::string& netnsPath, const std::string& ifname, bool withLinkLocal = false);

// IPv4 broadcast addresses configured on `ifname` (IFA_BROADCAST), sorted.
std::vector<std::string> ipv4BroadcastsIn(const std::string& netnsPath, const std::string& ifname);

// Unicast routes of `table` whose device is `ifname` (empty = any), sorted, each as
// "<dst> via <gw> dev <ifname> metric <n>" ("via" only with a gateway, " mtu <n>" only with an
// MTU metric; the default route's dst is 0.0.0.0/0 or ::/0). fe80::/64 routes are left out.
std::vector<std::string> routesIn(const std::string& netnsPath, const std::string& ifname, unsigned table = 254);

// Links (name, ifindex, MTU, up), addresses and main-table routes of a namespace, as sorted
// lines. Links named like other processes' test links ("ibt<other pid>x...") are left out with
// their addresses and routes, so test binaries running in parallel do not disturb the
// comparison; this process's own test links are included.
struct HostSnapshot {
    std::vector<std::string> links;
    std::vector<std::string> addresses;
    std::vector<std::string> routes;

    static HostSnapshot capture(const std::string& netnsPath = {});
    friend bool operator==(const HostSnapshot&, const HostSnapshot&) = default;
    // Lines only in *this ("- ...") and only in `after` ("+ ..."); empty when equal.
    std::string diff(const HostSnapshot& after) const;
};

}  // namespace ibvf::test
