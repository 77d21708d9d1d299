#include "support/TestNet.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

namespace ibvf::test {

namespace {

struct SockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheFree {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct LinkPut {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct MsgFree {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using NlSock = std::unique_ptr<nl_sock, SockFree>;
using Cache = std::unique_ptr<nl_cache, CacheFree>;
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using Msg = std::unique_ptr<nl_msg, MsgFree>;

[[noreturn]] void failNl(int rc, const std::string& what) { throw std::runtime_error(what + ": " + nl_geterror(rc)); }

[[noreturn]] void failErrno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

NlSock connectHere() {
    NlSock s(nl_socket_alloc());
    if (!s) throw std::bad_alloc();
    if (const int rc = nl_connect(s.get(), NETLINK_ROUTE); rc < 0) failNl(rc, "nl_connect");
    return s;
}

// A netlink socket talks to the namespace it was created in, so create it there and leave.
NlSock socketIn(const linux::NetNs* ns) {
    if (!ns) return connectHere();
    return linux::runInNetNs(*ns, connectHere);
}

NlSock socketIn(const std::string& netnsPath) {
    if (netnsPath.empty()) return connectHere();
    const linux::NetNs ns = linux::NetNs::open(netnsPath);
    return socketIn(&ns);
}

std::string addrText(nl_addr* a, bool withPrefix) {
    const int family = nl_addr_get_family(a);
    // libnl keeps an absent address (the default route's dst) as a zero-length one.
    unsigned char bytes[16] = {};
    const std::size_t len = std::min<std::size_t>(nl_addr_get_len(a), sizeof bytes);
    std::memcpy(bytes, nl_addr_get_binary_addr(a), len);
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, bytes, buf, sizeof buf);
    std::string s = buf;
    if (withPrefix) s += "/" + std::to_string(nl_addr_get_prefixlen(a));
    return s;
}

bool isLinkLocal6(nl_addr* a) {
    if (nl_addr_get_family(a) != AF_INET6 || nl_addr_get_len(a) < 2) return false;
    const auto* b = static_cast<const unsigned char*>(nl_addr_get_binary_addr(a));
    return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

// "ibt[a-z]*<digits>x..." made by uniqueName() (with the default prefix or one that extends it,
// e.g. "ibtpf") in another process.
bool otherProcessTestLink(const std::string& name) {
    if (name.rfind("ibt", 0) != 0) return false;
    std::size_t i = 3;
    while (i < name.size() && std::islower(static_cast<unsigned char>(name[i]))) ++i;
    const std::size_t digits = i;
    while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
    if (i == digits || i >= name.size() || name[i] != 'x') return false;
    return name.substr(digits, i - digits) != std::to_string(::getpid());
}

struct Caches {
    Cache links;
    Cache addrs;
    Cache routes;
};

Caches fill(nl_sock* sk, bool wantAddrs, bool wantRoutes) {
    Caches c;
    nl_cache* raw = nullptr;
    if (const int rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &raw); rc < 0) failNl(rc, "dump links");
    c.links.reset(raw);
    if (wantAddrs) {
        if (const int rc = rtnl_addr_alloc_cache(sk, &raw); rc < 0) failNl(rc, "dump addresses");
        c.addrs.reset(raw);
    }
    if (wantRoutes) {
        if (const int rc = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &raw); rc < 0) failNl(rc, "dump routes");
        c.routes.reset(raw);
    }
    return c;
}

std::string ifname(nl_cache* links, int ifindex) {
    char buf[IFNAMSIZ] = {};
    if (rtnl_link_i2name(links, ifindex, buf, sizeof buf)) return buf;
    return "if" + std::to_string(ifindex);
}

template <class Object, class F>
void forEach(nl_cache* cache, F&& f) {
    for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) f(reinterpret_cast<Object*>(o));
}

// "<dst> [via <gw>] dev <name> metric <n> [mtu <n>]", or empty for routes not described here.
std::string routeLine(rtnl_route* r, nl_cache* links, int* oif) {
    if (rtnl_route_get_type(r) != RTN_UNICAST || rtnl_route_get_nnexthops(r) != 1) return {};
    nl_addr* dst = rtnl_route_get_dst(r);
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
    *oif = rtnl_route_nh_get_ifindex(nh);
    std::string s = nl_addr_get_prefixlen(dst) != 0 ? addrText(dst, true) : nl_addr_get_family(dst) == AF_INET6 ? "::/0" : "0.0.0.0/0";
    if (nl_addr* gw = rtnl_route_nh_get_gateway(nh)) s += " via " + addrText(gw, false);
    s += " dev " + ifname(links, *oif) + " metric " + std::to_string(rtnl_route_get_priority(r));
    unsigned mtu = 0;
    if (rtnl_route_get_metric(r, RTAX_MTU, &mtu) == 0 && mtu) s += " mtu " + std::to_string(mtu);
    return s;
}

// Shared by linkIn(): libnl's link object does not carry altnames, so the reply is parsed here.
int parseLinkReply(nl_msg* msg, void* arg) {
    auto* out = static_cast<std::optional<LinkState>*>(arg);
    nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_type != RTM_NEWLINK) return NL_OK;
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return NL_OK;
    const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(h));
    LinkState s;
    s.ifindex = ifi->ifi_index;
    s.up = (ifi->ifi_flags & IFF_UP) != 0;
    if (tb[IFLA_IFNAME]) s.name = nla_get_string(tb[IFLA_IFNAME]);
    if (tb[IFLA_MTU]) s.mtu = nla_get_u32(tb[IFLA_MTU]);
    if (tb[IFLA_ADDRESS]) {
        // Spelled as `ip link` does, independently of the product's formatHwaddr.
        const auto* bytes = static_cast<const unsigned char*>(nla_data(tb[IFLA_ADDRESS]));
        for (int i = 0; i < nla_len(tb[IFLA_ADDRESS]); ++i) {
            char part[4];
            std::snprintf(part, sizeof part, i ? ":%02x" : "%02x", bytes[i]);
            s.hwaddr += part;
        }
    }
    if (tb[IFLA_PROP_LIST]) {
        nlattr* pos;
        int rem;
        nla_for_each_nested(pos, tb[IFLA_PROP_LIST], rem) {
            if (nla_type(pos) == IFLA_ALT_IFNAME) s.altnames.emplace_back(nla_get_string(pos));
        }
    }
    *out = s;
    return NL_OK;
}

bool deleteLinkWith(nl_sock* sk, const std::string& name) {
    Link l(rtnl_link_alloc());
    rtnl_link_set_name(l.get(), name.c_str());
    const int rc = rtnl_link_delete(sk, l.get());
    if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) return false;
    if (rc < 0) failNl(rc, "delete link " + name);
    return true;
}

}  // namespace

std::string uniqueName(std::string_view prefix) {
    static std::atomic<unsigned> counter{0};
    std::string name = std::string(prefix) + std::to_string(::getpid()) + "x" + std::to_string(++counter);
    if (name.size() >= IFNAMSIZ) throw std::length_error("uniqueName: '" + name + "' is longer than 15 bytes");
    return name;
}

// ---------------------------------------------------------------------------------------------

ScopedNetns::ScopedNetns() : ScopedNetns(uniqueName()) {}

ScopedNetns::ScopedNetns(std::string name) : name_(std::move(name)), path_("/run/netns/" + name_) {
    if (::mkdir("/run/netns", 0755) != 0 && errno != EEXIST) failErrno("mkdir /run/netns");
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) failErrno("create " + path_);
    ::close(fd);
    // unshare() moves only the calling thread, so a short-lived thread makes the namespace and
    // pins it with the bind mount; this thread stays where it is.
    int err = 0;
    std::thread maker([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            err = errno;
            return;
        }
        if (::mount("/proc/thread-self/ns/net", path_.c_str(), "none", MS_BIND, nullptr) != 0) err = errno;
    });
    maker.join();
    if (err) {
        ::unlink(path_.c_str());
        throw std::system_error(err, std::generic_category(), "create netns " + path_);
    }
}

ScopedNetns::~ScopedNetns() {
    if (::umount2(path_.c_str(), MNT_DETACH) != 0)
        std::fprintf(stderr, "ScopedNetns: umount %s: %s\n", path_.c_str(), std::strerror(errno));
    if (::unlink(path_.c_str()) != 0) std::fprintf(stderr, "ScopedNetns: unlink %s: %s\n", path_.c_str(), std::strerror(errno));
}

// ---------------------------------------------------------------------------------------------

VethPair::VethPair() : VethPair(uniqueName(), uniqueName()) {}

VethPair::VethPair(std::string a, std::string b, std::optional<std::string> peerNetnsPath)
    : a_(std::move(a)), b_(std::move(b)), peerNs_(std::move(peerNetnsPath)), home_(linux::NetNs::current()) {
    NlSock sk = connectHere();
    std::optional<linux::NetNs> peerNs;
    if (peerNs_) peerNs = linux::NetNs::open(*peerNs_);

    rtnl_link* link = rtnl_link_veth_alloc();
    if (!link) throw std::bad_alloc();
    rtnl_link* peer = rtnl_link_veth_get_peer(link);
    rtnl_link_set_name(link, a_.c_str());
    rtnl_link_set_name(peer, b_.c_str());
    if (peerNs) rtnl_link_set_ns_fd(peer, peerNs->fd());
    const int rc = rtnl_link_add(sk.get(), link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);
    rtnl_link_veth_release(link);
    if (rc < 0) failNl(rc, "create veth " + a_ + " / " + b_);

    try {
        const auto state = linkIn({}, a_);
        if (!state) throw std::runtime_error("veth " + a_ + " vanished right after creation");
        aIndex_ = state->ifindex;
    } catch (...) {
        deleteLinkWith(sk.get(), a_);  // the destructor will not run for a half-built object
        throw;
    }
}

VethPair::~VethPair() {
    // Deleting either end removes both; try the places each end can be, most likely first.
    const auto attempt = [](const linux::NetNs* ns, const std::string& name) {
        try {
            NlSock sk = socketIn(ns);
            return deleteLinkWith(sk.get(), name);
        } catch (const std::exception&) {
            return false;  // e.g. that namespace is already gone, and the pair with it
        }
    };
    const auto attemptAt = [&](const std::string& path, const std::string& name) {
        try {
            const linux::NetNs ns = linux::NetNs::open(path);
            return attempt(&ns, name);
        } catch (const std::exception&) {
            return false;
        }
    };
    if (peerNs_ ? attemptAt(*peerNs_, b_) : attempt(&home_, b_)) return;
    if (attempt(&home_, a_)) return;
    for (const auto& ns : extraNs_)
        if (attemptAt(ns, a_)) return;
}

// ---------------------------------------------------------------------------------------------

std::optional<LinkState> linkIn(const std::string& netnsPath, const std::string& name) {
    NlSock sk = socketIn(netnsPath);
    Msg m(nlmsg_alloc_simple(RTM_GETLINK, 0));
    ifinfomsg ifi{};
    if (!m || nlmsg_append(m.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(m.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0 || nla_put_string(m.get(), IFLA_IFNAME, name.c_str()) < 0)
        throw std::bad_alloc();
    std::optional<LinkState> out;
    nl_socket_modify_cb(sk.get(), NL_CB_VALID, NL_CB_CUSTOM, parseLinkReply, &out);
    if (const int rc = nl_send_auto(sk.get(), m.get()); rc < 0) failNl(rc, "get link " + name);
    const int rc = nl_recvmsgs_default(sk.get());
    if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) return std::nullopt;
    if (rc < 0) failNl(rc, "get link " + name);
    return out;
}

bool linkExistsIn(const std::string& netnsPath, const std::string& name) { return linkIn(netnsPath, name).has_value(); }

void addAltname(int ifindex, const std::string& altname, const std::string& netnsPath) {
    NlSock sk = socketIn(netnsPath);
    Msg m(nlmsg_alloc_simple(RTM_NEWLINKPROP, 0));
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    if (!m || nlmsg_append(m.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) throw std::bad_alloc();
    nlattr* list = nla_nest_start(m.get(), IFLA_PROP_LIST);
    if (!list || nla_put_string(m.get(), IFLA_ALT_IFNAME, altname.c_str()) < 0 || nla_nest_end(m.get(), list) < 0) throw std::bad_alloc();
    // nl_send_sync frees the message whatever happens.
    if (const int rc = nl_send_sync(sk.get(), m.release()); rc < 0)
        failNl(rc, "add altname " + altname + " to ifindex " + std::to_string(ifindex));
}

bool deleteLink(const std::string& name, const std::string& netnsPath) {
    NlSock sk = socketIn(netnsPath);
    return deleteLinkWith(sk.get(), name);
}

std::vector<std::string> addressesIn(const std::string& netnsPath, const std::string& name, bool withLinkLocal) {
    NlSock sk = socketIn(netnsPath);
    Caches c = fill(sk.get(), true, false);
    const int ifindex = rtnl_link_name2i(c.links.get(), name.c_str());
    if (!ifindex) throw std::runtime_error("no link " + name + " in " + (netnsPath.empty() ? "this netns" : netnsPath));
    std::vector<std::string> out;
    forEach<rtnl_addr>(c.addrs.get(), [&](rtnl_addr* a) {
        if (rtnl_addr_get_ifindex(a) != ifindex) return;
        nl_addr* local = rtnl_addr_get_local(a);
        if (!local || (!withLinkLocal && isLinkLocal6(local))) return;
        out.push_back(addrText(local, false) + "/" + std::to_string(rtnl_addr_get_prefixlen(a)));
    });
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> ipv4BroadcastsIn(const std::string& netnsPath, const std::string& name) {
    NlSock sk = socketIn(netnsPath);
    Caches c = fill(sk.get(), true, false);
    const int ifindex = rtnl_link_name2i(c.links.get(), name.c_str());
    if (!ifindex) throw std::runtime_error("no link " + name + " in " + (netnsPath.empty() ? "this netns" : netnsPath));
    std::vector<std::string> out;
    forEach<rtnl_addr>(c.addrs.get(), [&](rtnl_addr* a) {
        if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET) return;
        if (nl_addr* brd = rtnl_addr_get_broadcast(a)) out.push_back(addrText(brd, false));
    });
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> routesIn(const std::string& netnsPath, const std::string& name, unsigned table) {
    NlSock sk = socketIn(netnsPath);
    Caches c = fill(sk.get(), false, true);
    const int wanted = name.empty() ? 0 : rtnl_link_name2i(c.links.get(), name.c_str());
    if (!name.empty() && !wanted) throw std::runtime_error("no link " + name + " in " + (netnsPath.empty() ? "this netns" : netnsPath));
    std::vector<std::string> out;
    forEach<rtnl_route>(c.routes.get(), [&](rtnl_route* r) {
        if (rtnl_route_get_table(r) != table) return;
        if (isLinkLocal6(rtnl_route_get_dst(r))) return;  // the kernel's fe80::/64 per link
        int oif = 0;
        std::string line = routeLine(r, c.links.get(), &oif);
        if (line.empty() || (wanted && oif != wanted)) return;
        out.push_back(std::move(line));
    });
    std::sort(out.begin(), out.end());
    return out;
}

// ---------------------------------------------------------------------------------------------

HostSnapshot HostSnapshot::capture(const std::string& netnsPath) {
    NlSock sk = socketIn(netnsPath);
    Caches c = fill(sk.get(), true, true);
    std::set<int> ignored;
    HostSnapshot snap;
    forEach<rtnl_link>(c.links.get(), [&](rtnl_link* l) {
        const std::string name = rtnl_link_get_name(l);
        if (otherProcessTestLink(name)) {
            ignored.insert(rtnl_link_get_ifindex(l));
            return;
        }
        snap.links.push_back("link " + std::to_string(rtnl_link_get_ifindex(l)) + " " + name + " mtu " +
                             std::to_string(rtnl_link_get_mtu(l)) + ((rtnl_link_get_flags(l) & IFF_UP) ? " up" : " down"));
    });
    forEach<rtnl_addr>(c.addrs.get(), [&](rtnl_addr* a) {
        const int ifindex = rtnl_addr_get_ifindex(a);
        nl_addr* local = rtnl_addr_get_local(a);
        if (ignored.count(ifindex) || !local) return;
        snap.addresses.push_back("addr " + ifname(c.links.get(), ifindex) + " " + addrText(local, false) + "/" +
                                 std::to_string(rtnl_addr_get_prefixlen(a)));
    });
    forEach<rtnl_route>(c.routes.get(), [&](rtnl_route* r) {
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN) return;
        int oif = 0;
        std::string line = routeLine(r, c.links.get(), &oif);
        if (line.empty() || ignored.count(oif)) return;
        snap.routes.push_back("route " + line);
    });
    std::sort(snap.links.begin(), snap.links.end());
    std::sort(snap.addresses.begin(), snap.addresses.end());
    std::sort(snap.routes.begin(), snap.routes.end());
    return snap;
}

std::string HostSnapshot::diff(const HostSnapshot& after) const {
    std::string out;
    const auto compare = [&](const std::vector<std::string>& before, const std::vector<std::string>& now) {
        std::vector<std::string> gone;
        std::vector<std::string> added;
        std::set_difference(before.begin(), before.end(), now.begin(), now.end(), std::back_inserter(gone));
        std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::back_inserter(added));
        for (const auto& l : gone) out += "- " + l + "\n";
        for (const auto& l : added) out += "+ " + l + "\n";
    };
    compare(links, after.links);
    compare(addresses, after.addresses);
    compare(routes, after.routes);
    return out;
}

}  // namespace ibvf::test
