#include "linux/RawNetlink.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "linux/KernelError.hpp"

namespace ibvf::kernel {

namespace {

constexpr std::size_t align4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

template <class T>
T readAt(std::span<const std::uint8_t> bytes, std::size_t offset) {
    T v;
    std::memcpy(&v, bytes.data() + offset, sizeof v);
    return v;
}

std::string extackOf(std::span<const std::uint8_t> msg) {
    const auto h = readAt<nlmsghdr>(msg, 0);
    if (!(h.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    const auto err = readAt<nlmsgerr>(msg, NLMSG_HDRLEN);
    std::size_t payload = sizeof(nlmsgerr);
    // Without NLM_F_CAPPED the kernel echoes the whole request after the error code.
    if (!(h.nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len > NLMSG_HDRLEN) payload += err.msg.nlmsg_len - NLMSG_HDRLEN;
    const std::size_t start = NLMSG_HDRLEN + align4(payload);
    if (msg.size() <= start) return {};
    const auto attrs = nlAttrs(msg.subspan(start));
    const NlAttr* text = findNlAttr(attrs, NLMSGERR_ATTR_MSG);
    return text ? nlAttrString(*text) : std::string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

NlMessageBuilder::NlMessageBuilder(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    bytes_.reserve(256);  // every request here fits; also keeps GCC 12 from bogus bounds warnings
    bytes_.resize(sizeof h);
    std::memcpy(bytes_.data(), &h, sizeof h);
}

NlMessageBuilder& NlMessageBuilder::raw(const void* data, std::size_t len) {
    // resize + memcpy rather than insert: GCC 12 reports a bogus -Wstringop-overflow for an
    // insert into a still-empty vector.
    const std::size_t at = bytes_.size();
    bytes_.resize(align4(at + len), 0);
    if (len) std::memcpy(bytes_.data() + at, data, len);
    return *this;
}

NlMessageBuilder& NlMessageBuilder::put(std::uint16_t type, const void* data, std::size_t len) {
    nlattr a{};
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    raw(&a, sizeof a);
    if (len) raw(data, len);
    return *this;
}

NlMessageBuilder& NlMessageBuilder::putString(std::uint16_t type, std::string_view s) {
    std::vector<char> z(s.begin(), s.end());
    z.push_back('\0');
    return put(type, z.data(), z.size());
}

std::size_t NlMessageBuilder::beginNested(std::uint16_t type) {
    const std::size_t offset = bytes_.size();
    // The kernel does not require NLA_F_NESTED on these (old) attribute families, and iproute2
    // does not send it: keep the type plain so requests match what the kernel has always seen.
    put(type, nullptr, 0);
    return offset;
}

NlMessageBuilder& NlMessageBuilder::endNested(std::size_t offset) {
    const auto len = static_cast<std::uint16_t>(bytes_.size() - offset);
    std::memcpy(bytes_.data() + offset, &len, sizeof len);
    return *this;
}

std::vector<std::uint8_t> NlMessageBuilder::finish() const {
    std::vector<std::uint8_t> out = bytes_;
    const auto len = static_cast<std::uint32_t>(out.size());
    std::memcpy(out.data(), &len, sizeof len);
    return out;
}

// ---------------------------------------------------------------------------------------------

std::vector<NlAttr> nlAttrs(std::span<const std::uint8_t> area) {
    std::vector<NlAttr> out;
    std::size_t off = 0;
    while (off + NLA_HDRLEN <= area.size()) {
        const auto a = readAt<nlattr>(area, off);
        if (a.nla_len < NLA_HDRLEN || off + a.nla_len > area.size()) break;
        out.push_back({static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK), area.subspan(off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN)});
        off += align4(a.nla_len);
    }
    return out;
}

std::vector<NlAttr> nlMessageAttrs(std::span<const std::uint8_t> message, std::size_t familyHeaderLen) {
    const std::size_t start = NLMSG_HDRLEN + align4(familyHeaderLen);
    if (message.size() < NLMSG_HDRLEN) return {};
    const auto h = readAt<nlmsghdr>(message, 0);
    const std::size_t end = std::min<std::size_t>(h.nlmsg_len, message.size());
    if (end <= start) return {};
    return nlAttrs(message.subspan(start, end - start));
}

const NlAttr* findNlAttr(const std::vector<NlAttr>& attrs, std::uint16_t type) {
    for (const auto& a : attrs)
        if (a.type == type) return &a;
    return nullptr;
}

std::string nlAttrString(const NlAttr& a) {
    const auto* p = reinterpret_cast<const char*>(a.payload.data());
    return std::string(p, ::strnlen(p, a.payload.size()));
}

// ---------------------------------------------------------------------------------------------

NetlinkSocket::NetlinkSocket(int protocol, std::string what) : what_(std::move(what)) {
    fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
    if (!fd_) throwErrno("open " + what_ + " socket");
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) throwErrno("bind " + what_ + " socket");
    const int on = 1;
    // Both optional: the kernel's reason text, and errors that do not echo our request back.
    ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
}

NetlinkSocket::Outcome NetlinkSocket::request(std::vector<std::uint8_t> message, const ReplySink& sink) {
    if (message.size() < NLMSG_HDRLEN) return {EINVAL, {}};
    auto h = readAt<nlmsghdr>(message, 0);
    h.nlmsg_seq = ++seq_;
    if (!(h.nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP))) h.nlmsg_flags |= NLM_F_ACK;  // else nothing ends the exchange
    std::memcpy(message.data(), &h, sizeof h);

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
        sent = ::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return {errno, {}};

    std::vector<std::uint8_t> buf(32768);
    for (;;) {
        // Peek first: a dump of many VFs can exceed any fixed buffer, and a truncated datagram
        // would be lost.
        ssize_t n;
        do {
            n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_PEEK | MSG_TRUNC);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return {errno, {}};
        if (static_cast<std::size_t>(n) > buf.size()) buf.resize(static_cast<std::size_t>(n));
        sockaddr_nl from{};
        socklen_t fromLen = sizeof from;
        do {
            n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return {errno, {}};
        if (from.nl_pid != 0) continue;  // only the kernel answers requests

        const std::span<const std::uint8_t> data(buf.data(), static_cast<std::size_t>(n));
        std::size_t off = 0;
        while (off + NLMSG_HDRLEN <= data.size()) {
            const auto r = readAt<nlmsghdr>(data, off);
            if (r.nlmsg_len < NLMSG_HDRLEN || off + r.nlmsg_len > data.size()) break;
            const auto msg = data.subspan(off, r.nlmsg_len);
            off += align4(r.nlmsg_len);
            // Leftovers of an earlier exchange abandoned part way (a sink threw).
            if (r.nlmsg_seq != h.nlmsg_seq) continue;
            if (r.nlmsg_type == NLMSG_ERROR) {
                if (msg.size() < NLMSG_HDRLEN + sizeof(int)) return {EPROTO, {}};
                const int code = readAt<int>(msg, NLMSG_HDRLEN);
                return {-code, code ? extackOf(msg) : std::string()};
            }
            if (r.nlmsg_type == NLMSG_DONE) {
                int status = 0;
                if (msg.size() >= NLMSG_HDRLEN + sizeof(int)) status = readAt<int>(msg, NLMSG_HDRLEN);
                return {status < 0 ? -status : 0, {}};
            }
            if (r.nlmsg_type == NLMSG_NOOP) continue;
            if (sink) sink(msg, r.nlmsg_type);
        }
    }
}

void throwNetlinkFailure(const NetlinkSocket::Outcome& outcome, const std::string& what) {
    throwErr(outcome.error, outcome.extack.empty() ? what : what + " [kernel: " + outcome.extack + "]");
}

}  // namespace ibvf::kernel
