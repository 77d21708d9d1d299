#include "linux/NetlinkSocket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "linux/KernelError.hpp"

namespace ibvf::linux {

namespace {

std::string extackOf(std::span<const std::uint8_t> msg) {
    const auto h = nlReadAt<nlmsghdr>(msg, 0);
    if (!(h.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    const auto err = nlReadAt<nlmsgerr>(msg, NLMSG_HDRLEN);
    std::size_t payload = sizeof(nlmsgerr);
    // Without NLM_F_CAPPED the kernel echoes the whole request after the error code.
    if (!(h.nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len > NLMSG_HDRLEN) payload += err.msg.nlmsg_len - NLMSG_HDRLEN;
    const std::size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
    if (msg.size() <= start) return {};
    const auto attrs = nlAttrs(msg.subspan(start));
    const NlAttr* text = findNlAttr(attrs, NLMSGERR_ATTR_MSG);
    return text ? nlAttrString(*text) : std::string();
}

}  // namespace

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
    auto h = nlReadAt<nlmsghdr>(message, 0);
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
            const auto r = nlReadAt<nlmsghdr>(data, off);
            if (r.nlmsg_len < NLMSG_HDRLEN || off + r.nlmsg_len > data.size()) break;
            const auto msg = data.subspan(off, r.nlmsg_len);
            off += NLMSG_ALIGN(r.nlmsg_len);
            // Leftovers of an earlier exchange abandoned part way (a sink threw).
            if (r.nlmsg_seq != h.nlmsg_seq) continue;
            if (r.nlmsg_type == NLMSG_ERROR) {
                if (msg.size() < NLMSG_HDRLEN + sizeof(int)) return {EPROTO, {}};
                const int code = nlReadAt<int>(msg, NLMSG_HDRLEN);
                return {-code, code ? extackOf(msg) : std::string()};
            }
            if (r.nlmsg_type == NLMSG_DONE) {
                int status = 0;
                if (msg.size() >= NLMSG_HDRLEN + sizeof(int)) status = nlReadAt<int>(msg, NLMSG_HDRLEN);
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

}  // namespace ibvf::linux
