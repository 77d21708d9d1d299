#include "linux/RouteSocket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <new>

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "linux/KernelError.hpp"
#include "linux/NetNs.hpp"
#include "linux/NetlinkSocket.hpp"

namespace ibvf::linux {

namespace {

// ---------------------------------------------------------------------------------------------
// libnl ownership

struct MsgFree {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
struct SockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CbPut {
    void operator()(nl_cb* c) const { nl_cb_put(c); }
};
struct AddrPut {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct RtnlAddrPut {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RoutePut {
    void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
using Msg = std::unique_ptr<nl_msg, MsgFree>;
using NlAddr = std::unique_ptr<nl_addr, AddrPut>;

Msg newMsg(int type, int flags) {
    Msg m(nlmsg_alloc_simple(type, flags));
    if (!m) throw std::bad_alloc();
    return m;
}

// Attribute writes only fail when the message buffer (one page) is full, which the small
// requests built here never reach; treat it as the allocation failure it would be.
void ensure(int rc) {
    if (rc < 0) throw std::bad_alloc();
}

template <class Header>
void appendHeader(nl_msg* m, Header hdr) {
    ensure(nlmsg_append(m, &hdr, sizeof hdr, NLMSG_ALIGNTO));
}

void putString(nl_msg* m, int type, std::string_view s) {
    nlattr* a = nla_reserve(m, type, static_cast<int>(s.size() + 1));
    if (!a) throw std::bad_alloc();
    auto* data = static_cast<char*>(nla_data(a));
    std::memcpy(data, s.data(), s.size());
    data[s.size()] = '\0';
}

int afOf(net::Family f) { return f == net::Family::V4 ? AF_INET : AF_INET6; }

std::size_t byteLength(net::Family f) { return f == net::Family::V4 ? 4 : 16; }

NlAddr toNlAddr(const net::IpAddress& a, unsigned prefixLength) {
    NlAddr out(nl_addr_build(afOf(a.family()), a.bytes().data(), byteLength(a.family())));
    if (!out) throw std::bad_alloc();
    nl_addr_set_prefixlen(out.get(), static_cast<int>(prefixLength));
    return out;
}

// libnl's own error codes only appear for local failures (the kernel's errno is captured before
// libnl folds it); map them back so callers can still switch on errno.
int errnoFromNl(int nlerr) {
    switch (nlerr < 0 ? -nlerr : nlerr) {
        case NLE_NOMEM:
            return ENOMEM;
        case NLE_AGAIN:
            return EAGAIN;
        case NLE_INTR:
            return EINTR;
        case NLE_BAD_SOCK:
            return EBADF;
        case NLE_MSGSIZE:
        case NLE_MSG_TRUNC:
            return EMSGSIZE;
        case NLE_MSG_OVERFLOW:
            return ENOBUFS;
        case NLE_PERM:
            return EPERM;
        case NLE_NOACCESS:
            return EACCES;
        case NLE_INVAL:
        case NLE_MISSING_ATTR:
            return EINVAL;
        case NLE_RANGE:
            return ERANGE;
        case NLE_OPNOTSUPP:
            return EOPNOTSUPP;
        case NLE_AF_NOSUPPORT:
            return EAFNOSUPPORT;
        case NLE_NOADDR:
            return EADDRNOTAVAIL;
        case NLE_OBJ_NOTFOUND:
            return ENOENT;
        case NLE_NODEV:
            return ENODEV;
        case NLE_BUSY:
            return EBUSY;
        case NLE_EXIST:
            return EEXIST;
        case NLE_SEQ_MISMATCH:
            return EPROTO;
        default:
            return EIO;
    }
}

// ---------------------------------------------------------------------------------------------
// Attribute reads. Lengths are checked here rather than through a libnl policy so that a
// kernel newer than our headers (more attributes, longer structs) never makes a parse fail.

std::optional<std::uint32_t> u32Of(const nlattr* a) {
    if (!a || nla_len(a) < 4) return std::nullopt;
    std::uint32_t v;
    std::memcpy(&v, nla_data(a), sizeof v);
    return v;
}

std::string stringOf(const nlattr* a) {
    if (!a) return {};
    const auto* p = static_cast<const char*>(nla_data(a));
    return std::string(p, ::strnlen(p, static_cast<std::size_t>(nla_len(a))));
}

std::optional<net::IpAddress> addressOf(const nlattr* a, int af) {
    if (!a) return std::nullopt;
    const net::Family f = af == AF_INET ? net::Family::V4 : net::Family::V6;
    if (static_cast<std::size_t>(nla_len(a)) < byteLength(f)) return std::nullopt;
    return net::IpAddress::fromBytes(f, static_cast<const std::uint8_t*>(nla_data(a)));
}

template <std::size_t N>
void parseNested(nlattr* (&tb)[N], const nlattr* nest) {
    std::memset(tb, 0, sizeof tb);
    if (!nest) return;
    nla_parse_nested(tb, static_cast<int>(N - 1), const_cast<nlattr*>(nest), nullptr);
}

template <std::size_t N>
bool parseMessage(nlattr* (&tb)[N], const nlmsghdr* h, std::size_t headerLen) {
    std::memset(tb, 0, sizeof tb);
    if (h->nlmsg_len < NLMSG_LENGTH(headerLen)) return false;
    return nlmsg_parse(const_cast<nlmsghdr*>(h), static_cast<int>(headerLen), tb, static_cast<int>(N - 1), nullptr) == 0;
}

std::optional<LinkInfo> parseLink(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK) return std::nullopt;
    nlattr* tb[IFLA_MAX + 1];
    if (!parseMessage(tb, h, sizeof(ifinfomsg))) return std::nullopt;
    const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(h));

    LinkInfo link;
    link.ifindex = ifi->ifi_index;
    link.arptype = ifi->ifi_type;
    link.adminUp = (ifi->ifi_flags & IFF_UP) != 0;
    link.carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
    link.name = stringOf(tb[IFLA_IFNAME]);
    link.mtu = u32Of(tb[IFLA_MTU]).value_or(0);
    if (const nlattr* a = tb[IFLA_ADDRESS]) {
        const auto* p = static_cast<const std::uint8_t*>(nla_data(a));
        link.hwaddr.assign(p, p + nla_len(a));
    }
    nlattr* info[IFLA_INFO_MAX + 1];
    parseNested(info, tb[IFLA_LINKINFO]);
    link.kind = stringOf(info[IFLA_INFO_KIND]);
    if (const nlattr* props = tb[IFLA_PROP_LIST]) {
        const nlattr* pos;
        int rem;
        nla_for_each_nested(pos, const_cast<nlattr*>(props), rem) {
            if (nla_type(pos) == IFLA_ALT_IFNAME) link.altnames.push_back(stringOf(pos));
        }
    }
    return link;
}

bool linkHasName(const LinkInfo& link, std::string_view name) {
    if (link.name == name) return true;
    for (const auto& alt : link.altnames)
        if (alt == name) return true;
    return false;
}

std::optional<AddressInfo> parseAddress(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return std::nullopt;
    nlattr* tb[IFA_MAX + 1];
    if (!parseMessage(tb, h, sizeof(ifaddrmsg))) return std::nullopt;
    const auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(h));
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return std::nullopt;
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point
    // links and the only one present for IPv6.
    auto addr = addressOf(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], ifa->ifa_family);
    if (!addr) return std::nullopt;
    AddressInfo out;
    out.ifindex = static_cast<int>(ifa->ifa_index);
    out.address = net::IpPrefix{*addr, ifa->ifa_prefixlen};
    out.scope = ifa->ifa_scope;
    return out;
}

std::optional<RouteSpec> parseRoute(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return std::nullopt;
    nlattr* tb[RTA_MAX + 1];
    if (!parseMessage(tb, h, sizeof(rtmsg))) return std::nullopt;
    const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(h));
    if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::nullopt;
    if (rtm->rtm_type != RTN_UNICAST || (rtm->rtm_flags & RTM_F_CLONED)) return std::nullopt;

    const net::Family family = rtm->rtm_family == AF_INET ? net::Family::V4 : net::Family::V6;
    RouteSpec r;
    const auto dst = addressOf(tb[RTA_DST], rtm->rtm_family);
    r.dst = net::IpPrefix{dst ? *dst : net::IpAddress::fromBytes(family, std::array<std::uint8_t, 16>{}.data()), rtm->rtm_dst_len};
    r.gw = addressOf(tb[RTA_GATEWAY], rtm->rtm_family);
    r.ifindex = static_cast<int>(u32Of(tb[RTA_OIF]).value_or(0));
    r.priority = u32Of(tb[RTA_PRIORITY]);
    r.table = u32Of(tb[RTA_TABLE]).value_or(rtm->rtm_table);
    r.scope = rtm->rtm_scope;
    nlattr* metrics[RTAX_MAX + 1];
    parseNested(metrics, tb[RTA_METRICS]);
    r.mtu = u32Of(metrics[RTAX_MTU]);
    r.advmss = u32Of(metrics[RTAX_ADVMSS]);
    return r;
}

std::string describeRoute(const RouteSpec& r) {
    std::string s = "route " + r.dst.network().toString() + "/" + std::to_string(r.dst.length);
    if (r.gw) s += " via " + r.gw->toString();
    if (r.table) s += " table " + std::to_string(*r.table);
    if (r.priority) s += " metric " + std::to_string(*r.priority);
    return s;
}

std::string describeNetnsFd(int fd) {
    char target[64] = {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "fd " + std::to_string(fd);
}

// ---------------------------------------------------------------------------------------------
// One request/response exchange. libnl folds the kernel's errno into its own codes
// (nl_syserr2nlerr is lossy: EBUSY, ENODEV... all become generic), so the error callback keeps
// the original errno and, when the kernel sent one, its extended-ack text.

// A non-owning callable reference: the visitor lives on the caller's stack for one exchange.
class MessageSink {
public:
    MessageSink() = default;
    template <class F>
    MessageSink(F& f) : obj_(&f), call_([](void* o, const nlmsghdr* h) { (*static_cast<F*>(o))(h); }) {}
    void operator()(const nlmsghdr* h) const {
        if (call_) call_(obj_, h);
    }

private:
    void* obj_ = nullptr;
    void (*call_)(void*, const nlmsghdr*) = nullptr;
};

struct Exchange {
    unsigned seq = 0;
    MessageSink sink;
    int error = 0;
    bool done = false;
    bool interrupted = false;  // a dump raced with a change (NLM_F_DUMP_INTR): retry it
    std::string extack;
    std::exception_ptr failure;  // never let a C++ exception unwind through libnl's C frames
};

std::string extackOf(const nlmsgerr* e) {
    const auto* base = reinterpret_cast<const char*>(e) - NLMSG_HDRLEN;
    const auto* h = reinterpret_cast<const nlmsghdr*>(base);
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    std::size_t payload = sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
    const std::size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
    if (h->nlmsg_len <= start) return {};
    nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
    auto* attrs = reinterpret_cast<nlattr*>(const_cast<char*>(base) + start);
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, static_cast<int>(h->nlmsg_len - start), nullptr) < 0) return {};
    return stringOf(tb[NLMSGERR_ATTR_MSG]);
}

int onSeqCheck(nl_msg* msg, void* arg) {
    // Anything else is a leftover of an earlier exchange that was abandoned part way.
    return nlmsg_hdr(msg)->nlmsg_seq == static_cast<Exchange*>(arg)->seq ? NL_OK : NL_SKIP;
}

int onValid(nl_msg* msg, void* arg) {
    auto* ex = static_cast<Exchange*>(arg);
    const nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_flags & NLM_F_DUMP_INTR) ex->interrupted = true;
    if (!ex->failure) {
        try {
            ex->sink(h);
        } catch (...) {
            ex->failure = std::current_exception();
        }
    }
    return NL_OK;
}

int onFinish(nl_msg* msg, void* arg) {
    auto* ex = static_cast<Exchange*>(arg);
    const nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_flags & NLM_F_DUMP_INTR) ex->interrupted = true;
    if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
        int status;
        std::memcpy(&status, nlmsg_data(h), sizeof status);
        if (status < 0) ex->error = -status;
    }
    ex->done = true;
    return NL_STOP;
}

int onAck(nl_msg*, void* arg) {
    static_cast<Exchange*>(arg)->done = true;
    return NL_STOP;
}

int onError(sockaddr_nl*, nlmsgerr* e, void* arg) {
    auto* ex = static_cast<Exchange*>(arg);
    ex->error = -e->error;
    ex->extack = extackOf(e);
    ex->done = true;
    return NL_STOP;
}

constexpr int kDumpAttempts = 5;

// RTM_GETLINK for one link, by index or by name. Statistics are left out: they are most of the
// reply and nobody here reads them.
Msg getLinkRequest(int ifindex, std::string_view name) {
    Msg m = newMsg(RTM_GETLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    appendHeader(m.get(), ifi);
    ensure(nla_put_u32(m.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS));
    // The kernel looks names up in one hash with the altnames, which may be longer than
    // IFNAMSIZ; those must be sent as IFLA_ALT_IFNAME.
    if (!name.empty()) putString(m.get(), name.size() < IFNAMSIZ ? IFLA_IFNAME : IFLA_ALT_IFNAME, name);
    return m;
}

}  // namespace

std::string formatHwaddr(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    out.reserve(bytes.size() * 3);
    char buf[4];
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        std::snprintf(buf, sizeof buf, i ? ":%02x" : "%02x", bytes[i]);
        out += buf;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

struct RouteSocket::Impl {
    std::unique_ptr<nl_sock, SockFree> sock;
    std::unique_ptr<nl_cb, CbPut> cb;
    // Created with the main socket so it belongs to the same namespace even if the caller has
    // switched namespaces since; it joins RTNLGRP_LINK only while waitForLink runs.
    NetlinkSocket events;
    Exchange current;

    Impl();
    int exchange(nl_msg* msg, MessageSink sink = {});
    [[noreturn]] void fail(int err, const std::string& what, const std::string& extack);
    std::string linkLabel(int ifindex);
    // Sends a change; on failure (other than a tolerated errno) throws KernelError with
    // describe(<link label>) and the kernel's reason.
    template <class Describe>
    void apply(nl_msg* msg, int ifindex, std::initializer_list<int> tolerated, Describe describe);
    std::optional<LinkInfo> getLink(Msg msg, const std::string& what);
    template <class T, class Parse, class Keep>
    std::vector<T> dump(int type, int family, Parse parse, Keep keep, const char* what);
};

RouteSocket::Impl::Impl() : events(NetlinkSocket::subscribed(NETLINK_ROUTE, {}, "rtnetlink event")) {
    sock.reset(nl_socket_alloc());
    cb.reset(nl_cb_alloc(NL_CB_DEFAULT));
    if (!sock || !cb) throw std::bad_alloc();
    if (const int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) throwErr(errnoFromNl(rc), "open rtnetlink socket");
    const int fd = nl_socket_get_fd(sock.get());
    const int on = 1;
    // Extended acks carry the kernel's reason ("MTU greater than device maximum"); capped acks
    // stop the kernel from echoing our whole request back with every error. Both are optional.
    ::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);

    nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, onSeqCheck, &current);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, onValid, &current);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, onFinish, &current);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, onAck, &current);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, onError, &current);
}

// Sends `msg` (auto-ack) and consumes replies until the kernel's ack, error or end of dump.
// Returns 0 or the kernel's errno; the extended-ack text is left in current.extack.
int RouteSocket::Impl::exchange(nl_msg* msg, MessageSink sink) {
    current = Exchange{};
    if (const int rc = nl_send_auto(sock.get(), msg); rc < 0) {
        current.extack = std::string("netlink send: ") + nl_geterror(rc);
        return errnoFromNl(rc);
    }
    current.seq = nlmsg_hdr(msg)->nlmsg_seq;
    current.sink = sink;
    while (!current.done) {
        const int rc = nl_recvmsgs(sock.get(), cb.get());
        if (rc < 0 && !current.done) {
            current.extack = std::string("netlink receive: ") + nl_geterror(rc);
            return errnoFromNl(rc);
        }
    }
    if (current.failure) std::rethrow_exception(current.failure);
    return current.error;
}

void RouteSocket::Impl::fail(int err, const std::string& what, const std::string& extack) {
    throwErr(err, extack.empty() ? what : what + " [kernel: " + extack + "]");
}

// Names the link in an error message. Only called on the error path, so the extra lookup costs
// nothing when the operation succeeds.
std::string RouteSocket::Impl::linkLabel(int ifindex) {
    const std::string idx = "(ifindex " + std::to_string(ifindex) + ")";
    try {
        if (auto found = getLink(getLinkRequest(ifindex, {}), {})) return "link " + found->name + " " + idx;
    } catch (const std::exception&) {
        // The label is best effort; the original error is what matters.
    }
    return "link " + idx;
}

template <class Describe>
void RouteSocket::Impl::apply(nl_msg* msg, int ifindex, std::initializer_list<int> tolerated, Describe describe) {
    const int err = exchange(msg);
    if (err == 0) return;
    for (const int ok : tolerated)
        if (err == ok) return;
    const std::string extack = current.extack;  // linkLabel() runs another exchange
    fail(err, describe(ifindex > 0 ? linkLabel(ifindex) : std::string()), extack);
}

std::optional<LinkInfo> RouteSocket::Impl::getLink(Msg msg, const std::string& what) {
    std::optional<LinkInfo> found;
    auto keep = [&](const nlmsghdr* h) {
        if (!found) found = parseLink(h);
    };
    const int err = exchange(msg.get(), keep);
    if (err == ENODEV) return std::nullopt;
    if (err) fail(err, what, current.extack);
    return found;
}

template <class T, class Parse, class Keep>
std::vector<T> RouteSocket::Impl::dump(int type, int family, Parse parse, Keep keep, const char* what) {
    for (int attempt = 1;; ++attempt) {
        Msg m = newMsg(type, NLM_F_DUMP);
        // Each dump carries its message type's full header, as iproute2 sends it; only the
        // family is set, so the kernel filters nothing and the caller filters what it reads.
        if (type == RTM_GETLINK) {
            ifinfomsg ifi{};
            ifi.ifi_family = static_cast<unsigned char>(family);
            appendHeader(m.get(), ifi);
            ensure(nla_put_u32(m.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS));
        } else if (type == RTM_GETADDR) {
            ifaddrmsg ifa{};
            ifa.ifa_family = static_cast<unsigned char>(family);
            appendHeader(m.get(), ifa);
        } else {
            rtmsg rtm{};
            rtm.rtm_family = static_cast<unsigned char>(family);
            appendHeader(m.get(), rtm);
        }
        std::vector<T> out;
        auto collect = [&](const nlmsghdr* h) {
            if (auto item = parse(h); item && keep(*item)) out.push_back(std::move(*item));
        };
        const int err = exchange(m.get(), collect);
        if (err) fail(err, what, current.extack);
        if (!current.interrupted) return out;
        if (attempt == kDumpAttempts) fail(EAGAIN, std::string(what) + ": dump kept being interrupted by changes", {});
    }
}

// ---------------------------------------------------------------------------------------------

RouteSocket::RouteSocket() : impl_(std::make_unique<Impl>()) {}
RouteSocket::~RouteSocket() = default;
RouteSocket::RouteSocket(RouteSocket&&) noexcept = default;
RouteSocket& RouteSocket::operator=(RouteSocket&&) noexcept = default;

std::optional<LinkInfo> RouteSocket::linkByName(std::string_view name) {
    if (name.empty() || name.size() >= ALTIFNAMSIZ) return std::nullopt;  // no link can have it
    return impl_->getLink(getLinkRequest(0, name), "look up link " + std::string(name));
}

std::optional<LinkInfo> RouteSocket::linkByIndex(int ifindex) {
    if (ifindex <= 0) return std::nullopt;
    return impl_->getLink(getLinkRequest(ifindex, {}), "look up link ifindex " + std::to_string(ifindex));
}

std::vector<LinkInfo> RouteSocket::links() {
    return impl_->dump<LinkInfo>(
        RTM_GETLINK, AF_UNSPEC, parseLink, [](const LinkInfo&) { return true; }, "list links");
}

std::uint64_t RouteSocket::netnsCookie() const { return netnsCookieOfSocket(nl_socket_get_fd(impl_->sock.get())); }

namespace {

Msg linkChange(int ifindex) {
    Msg m = newMsg(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    appendHeader(m.get(), ifi);
    return m;
}

void checkIfname(std::string_view name, const std::string& what) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        throwErr(EINVAL, what + ": interface names are 1 to " + std::to_string(IFNAMSIZ - 1) + " bytes");
}

}  // namespace

void RouteSocket::setAdminUp(int ifindex, bool up) {
    Msg m = newMsg(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    ifi.ifi_flags = up ? IFF_UP : 0;
    ifi.ifi_change = IFF_UP;
    appendHeader(m.get(), ifi);
    impl_->apply(m.get(), ifindex, {}, [&](const std::string& link) { return "set " + link + (up ? " up" : " down"); });
}

void RouteSocket::rename(int ifindex, std::string_view newName) {
    const auto describe = [&](const std::string& link) { return "rename " + link + " to " + std::string(newName); };
    checkIfname(newName, describe("link ifindex " + std::to_string(ifindex)));
    Msg m = linkChange(ifindex);
    putString(m.get(), IFLA_IFNAME, newName);
    impl_->apply(m.get(), ifindex, {}, describe);
}

void RouteSocket::setMtu(int ifindex, unsigned mtu) {
    Msg m = linkChange(ifindex);
    ensure(nla_put_u32(m.get(), IFLA_MTU, mtu));
    impl_->apply(m.get(), ifindex, {}, [&](const std::string& link) { return "set MTU of " + link + " to " + std::to_string(mtu); });
}

void RouteSocket::moveToNetNs(int ifindex, int netnsFd, std::optional<std::string_view> newName) {
    const auto describe = [&](const std::string& link) {
        std::string what = "move " + link + " to netns " + describeNetnsFd(netnsFd);
        if (newName) what += " as " + std::string(*newName);
        return what;
    };
    if (newName) checkIfname(*newName, describe("link ifindex " + std::to_string(ifindex)));
    Msg m = linkChange(ifindex);
    ensure(nla_put_u32(m.get(), IFLA_NET_NS_FD, static_cast<std::uint32_t>(netnsFd)));
    if (newName) putString(m.get(), IFLA_IFNAME, *newName);
    const int err = impl_->exchange(m.get());
    if (err == 0) return;
    const std::string extack = impl_->current.extack;
    if (newName && err == EEXIST && !linkByIndex(ifindex)) {
        // The kernel only applies the new name before the move when the old one is taken in
        // the target; otherwise it moves first and then fails the rename, leaving the link in
        // the target namespace under its old name.
        impl_->fail(
            err,
            describe("link (ifindex " + std::to_string(ifindex) + ")") + ": the link was moved under its old name before the rename failed",
            extack);
    }
    impl_->fail(err, describe(impl_->linkLabel(ifindex)), extack);
}

namespace {

Msg altnameRequest(int type, int ifindex, std::string_view altname) {
    Msg m = newMsg(type, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    appendHeader(m.get(), ifi);
    nlattr* list = nla_nest_start(m.get(), IFLA_PROP_LIST);
    if (!list) throw std::bad_alloc();
    putString(m.get(), IFLA_ALT_IFNAME, altname);
    ensure(nla_nest_end(m.get(), list));
    return m;
}

}  // namespace

void RouteSocket::deleteAltname(int ifindex, std::string_view altname) {
    Msg m = altnameRequest(RTM_DELLINKPROP, ifindex, altname);
    impl_->apply(m.get(), ifindex, {}, [&](const std::string& link) { return "delete altname " + std::string(altname) + " of " + link; });
}

void RouteSocket::addAltname(int ifindex, std::string_view altname) {
    Msg m = altnameRequest(RTM_NEWLINKPROP, ifindex, altname);
    impl_->apply(m.get(), ifindex, {}, [&](const std::string& link) { return "add altname " + std::string(altname) + " to " + link; });
}

// ---------------------------------------------------------------------------------------------

std::vector<AddressInfo> RouteSocket::addresses(int ifindex, std::optional<net::Family> family) {
    return impl_->dump<AddressInfo>(
        RTM_GETADDR, family ? afOf(*family) : AF_UNSPEC, parseAddress,
        [&](const AddressInfo& a) { return (ifindex == 0 || a.ifindex == ifindex) && (!family || a.address.family() == *family); },
        "list addresses");
}

namespace {

std::unique_ptr<rtnl_addr, RtnlAddrPut> addressObject(int ifindex, const net::IpPrefix& p) {
    std::unique_ptr<rtnl_addr, RtnlAddrPut> a(rtnl_addr_alloc());
    if (!a) throw std::bad_alloc();
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_family(a.get(), afOf(p.family()));
    NlAddr local = toNlAddr(p.address, p.length);
    ensure(rtnl_addr_set_local(a.get(), local.get()));
    rtnl_addr_set_prefixlen(a.get(), static_cast<int>(p.length));
    return a;
}

}  // namespace

void RouteSocket::addAddress(int ifindex, const net::IpPrefix& address) { addAddress(ifindex, address, AddressOptions{}); }

void RouteSocket::addAddress(int ifindex, const net::IpPrefix& address, const AddressOptions& options) {
    auto a = addressObject(ifindex, address);
    // Like `ip addr add ... brd +` and the Go plugins: without a broadcast address the kernel
    // installs no broadcast route for the subnet.
    if (address.family() == net::Family::V4 && address.length < 31) {
        NlAddr brd = toNlAddr(address.lastAddress(), address.length);
        ensure(rtnl_addr_set_broadcast(a.get(), brd.get()));
    }
    if (options.noDad && address.family() == net::Family::V6) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
    nl_msg* raw = nullptr;
    if (const int rc = rtnl_addr_build_add_request(a.get(), NLM_F_EXCL, &raw); rc < 0) throwErr(errnoFromNl(rc), "build address request");
    Msg m(raw);
    impl_->apply(m.get(), ifindex, {}, [&](const std::string& link) { return "add address " + address.toString() + " to " + link; });
}

void RouteSocket::deleteAddress(int ifindex, const net::IpPrefix& address) {
    auto a = addressObject(ifindex, address);
    nl_msg* raw = nullptr;
    if (const int rc = rtnl_addr_build_delete_request(a.get(), 0, &raw); rc < 0) throwErr(errnoFromNl(rc), "build address request");
    Msg m(raw);
    impl_->apply(m.get(), ifindex, {EADDRNOTAVAIL, ENOENT},
                 [&](const std::string& link) { return "delete address " + address.toString() + " from " + link; });
}

// ---------------------------------------------------------------------------------------------

namespace {

enum class RouteOp { Add, Delete };

Msg routeRequest(const RouteSpec& spec, RouteOp op) {
    std::unique_ptr<rtnl_route, RoutePut> r(rtnl_route_alloc());
    if (!r) throw std::bad_alloc();
    const net::Family family = spec.dst.family();
    ensure(rtnl_route_set_family(r.get(), static_cast<std::uint8_t>(afOf(family))));
    NlAddr dst = toNlAddr(spec.dst.network(), spec.dst.length);
    ensure(rtnl_route_set_dst(r.get(), dst.get()));
    rtnl_route_set_table(r.get(), spec.table.value_or(RT_TABLE_MAIN));
    ensure(rtnl_route_set_type(r.get(), RTN_UNICAST));
    if (op == RouteOp::Add) {
        // Same protocol as `ip route add`, so operators see familiar output.
        rtnl_route_set_protocol(r.get(), RTPROT_BOOT);
        const int scope = spec.scope.value_or(spec.gw || family == net::Family::V6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
        rtnl_route_set_scope(r.get(), static_cast<std::uint8_t>(scope));
        if (spec.mtu) ensure(rtnl_route_set_metric(r.get(), RTAX_MTU, *spec.mtu));
        if (spec.advmss) ensure(rtnl_route_set_metric(r.get(), RTAX_ADVMSS, *spec.advmss));
    } else {
        // Protocol 0 and scope NOWHERE are the kernel's wildcards for a delete: the route is
        // found by destination, table, device, gateway and metric, however it was added.
        rtnl_route_set_protocol(r.get(), RTPROT_UNSPEC);
        rtnl_route_set_scope(r.get(), static_cast<std::uint8_t>(spec.scope.value_or(RT_SCOPE_NOWHERE)));
    }
    if (spec.priority) rtnl_route_set_priority(r.get(), *spec.priority);

    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) throw std::bad_alloc();
    if (spec.ifindex) rtnl_route_nh_set_ifindex(nh, spec.ifindex);
    if (spec.gw) {
        NlAddr gw = toNlAddr(*spec.gw, spec.gw->bitLength());
        rtnl_route_nh_set_gateway(nh, gw.get());
    }
    rtnl_route_add_nexthop(r.get(), nh);  // the route owns it now

    nl_msg* raw = nullptr;
    const int rc =
        op == RouteOp::Add ? rtnl_route_build_add_request(r.get(), NLM_F_EXCL, &raw) : rtnl_route_build_del_request(r.get(), 0, &raw);
    if (rc < 0) throwErr(errnoFromNl(rc), "build " + describeRoute(spec) + " request");
    return Msg(raw);
}

}  // namespace

void RouteSocket::addRoute(const RouteSpec& route) {
    Msg m = routeRequest(route, RouteOp::Add);
    impl_->apply(m.get(), route.ifindex, {},
                 [&](const std::string& link) { return "add " + describeRoute(route) + (route.ifindex ? " on " + link : ""); });
}

void RouteSocket::deleteRoute(const RouteSpec& route) {
    Msg m = routeRequest(route, RouteOp::Delete);
    impl_->apply(m.get(), route.ifindex, {ESRCH},
                 [&](const std::string& link) { return "delete " + describeRoute(route) + (route.ifindex ? " on " + link : ""); });
}

std::vector<RouteSpec> RouteSocket::routes(int ifindex, net::Family family, std::optional<std::uint32_t> table) {
    const std::uint32_t wanted = table.value_or(RT_TABLE_MAIN);
    return impl_->dump<RouteSpec>(
        RTM_GETROUTE, afOf(family), parseRoute,
        [&](const RouteSpec& r) { return r.dst.family() == family && r.table == wanted && (ifindex == 0 || r.ifindex == ifindex); },
        "list routes");
}

// ---------------------------------------------------------------------------------------------

namespace {

// Joins RTNLGRP_LINK for its lifetime. On leaving, whatever is still queued is discarded: a
// stale RTM_NEWLINK could name a link that has since been renamed or deleted.
class LinkEventSubscription {
public:
    explicit LinkEventSubscription(NetlinkSocket& events) : events_(events) { events_.join(RTNLGRP_LINK); }
    ~LinkEventSubscription() {
        events_.leave(RTNLGRP_LINK);
        try {
            events_.drain();
        } catch (const KernelError&) {
            // The next subscription starts from whatever is left; its waits confirm with the kernel.
        }
    }
    LinkEventSubscription(const LinkEventSubscription&) = delete;
    LinkEventSubscription& operator=(const LinkEventSubscription&) = delete;

private:
    NetlinkSocket& events_;
};

}  // namespace

std::optional<LinkInfo> RouteSocket::waitForLink(std::string_view name, int timeoutMs) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeoutMs, 0));
    // Subscribe before looking: a link that appears between the lookup and the subscription
    // would otherwise be missed until the timeout.
    LinkEventSubscription subscription(impl_->events);
    if (auto link = linkByName(name)) return link;

    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return std::nullopt;
        pollfd pfd{impl_->events.fd(), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left));
        if (ready < 0 && errno != EINTR) throwErrno("wait for link " + std::string(name));
        if (ready <= 0) continue;
        std::optional<LinkInfo> found;
        const auto drained = impl_->events.drain([&](std::span<const std::uint8_t> msg, std::uint16_t) {
            if (found) return;
            // Confirm with the kernel: the event may describe a link that is already being
            // deleted or renamed again.
            if (auto link = parseLink(reinterpret_cast<const nlmsghdr*>(msg.data())); link && linkHasName(*link, name)) {
                if (auto now = linkByIndex(link->ifindex); now && linkHasName(*now, name)) found = std::move(now);
            }
        });
        if (found) return found;
        // Events were lost; the link may have appeared among them.
        if (drained.overrun) {
            if (auto link = linkByName(name)) return link;
        }
    }
}

std::optional<LinkInfo> RouteSocket::waitForLinkNamedBy(const std::function<std::optional<std::string>()>& currentName, int timeoutMs) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeoutMs, 0));
    // Subscribed before the first look, so a netdev registered in between still wakes us.
    LinkEventSubscription subscription(impl_->events);
    for (;;) {
        if (auto name = currentName()) {
            if (auto link = linkByName(*name)) return link;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return std::nullopt;
        pollfd pfd{impl_->events.fd(), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left));
        if (ready < 0 && errno != EINTR) throwErrno("wait for a link event");
        // Whatever the events say, the answer comes from asking again: drain them first.
        if (ready > 0) impl_->events.drain();
    }
}

}  // namespace ibvf::linux
