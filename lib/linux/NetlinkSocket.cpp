#include "linux/NetlinkSocket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>

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

// Each whole message of one datagram, in order, while `each` returns true; a malformed length
// ends the walk.
template <class Each>
void forEachMessage(std::span<const std::uint8_t> datagram, Each&& each) {
    std::size_t off = 0;
    while (off + NLMSG_HDRLEN <= datagram.size()) {
        const auto h = nlReadAt<nlmsghdr>(datagram, off);
        if (h.nlmsg_len < NLMSG_HDRLEN || off + h.nlmsg_len > datagram.size()) return;
        if (!each(h, datagram.subspan(off, h.nlmsg_len))) return;
        off += NLMSG_ALIGN(h.nlmsg_len);
    }
}

}  // namespace

NetlinkSocket::NetlinkSocket(int protocol, std::string what) : NetlinkSocket(protocol, std::move(what), false) {}

NetlinkSocket::NetlinkSocket(int protocol, std::string what, bool events) : what_(std::move(what)) {
    fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (events ? SOCK_NONBLOCK : 0), protocol));
    if (!fd_) throwErrno("open " + what_ + " socket");
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;  // port 0: the kernel picks one
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) throwErrno("bind " + what_ + " socket");
    if (events) return;
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

        std::optional<Outcome> outcome;
        forEachMessage({buf.data(), static_cast<std::size_t>(n)}, [&](const nlmsghdr& r, std::span<const std::uint8_t> msg) {
            // Leftovers of an earlier exchange abandoned part way (a sink threw).
            if (r.nlmsg_seq != h.nlmsg_seq || r.nlmsg_type == NLMSG_NOOP) return true;
            if (r.nlmsg_type == NLMSG_ERROR) {
                if (msg.size() < NLMSG_HDRLEN + sizeof(int)) {
                    outcome = Outcome{EPROTO, {}};
                } else {
                    const int code = nlReadAt<int>(msg, NLMSG_HDRLEN);
                    outcome = Outcome{-code, code ? extackOf(msg) : std::string()};
                }
                return false;
            }
            if (r.nlmsg_type == NLMSG_DONE) {
                int status = 0;
                if (msg.size() >= NLMSG_HDRLEN + sizeof(int)) status = nlReadAt<int>(msg, NLMSG_HDRLEN);
                outcome = Outcome{status < 0 ? -status : 0, {}};
                return false;
            }
            if (sink) sink(msg, r.nlmsg_type);
            return true;
        });
        if (outcome) return std::move(*outcome);
    }
}

NetlinkSocket NetlinkSocket::subscribed(int protocol, std::initializer_list<unsigned> groups, std::string what) {
    NetlinkSocket s(protocol, std::move(what), true);
    for (const unsigned group : groups) s.join(group);
    return s;
}

void NetlinkSocket::join(unsigned group) {
    if (::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
        throwErrno("subscribe " + what_ + " socket to group " + std::to_string(group));
}

void NetlinkSocket::leave(unsigned group) noexcept { ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof group); }

NetlinkSocket::Drained NetlinkSocket::drain(const ReplySink& sink) {
    Drained out;
    // Events are small (a link's RTM_NEWLINK is a few KiB with its VF list skipped); a bigger one
    // is read truncated and reported as an overrun.
    std::vector<std::uint8_t> buf(32768);
    for (int i = 0; i < kDrainBatch; ++i) {
        const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {
                out.overrun = true;
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            throwErrno("read " + what_ + " socket");
        }
        if (static_cast<std::size_t>(n) > buf.size()) {
            out.overrun = true;
            continue;
        }
        forEachMessage({buf.data(), static_cast<std::size_t>(n)}, [&](const nlmsghdr& h, std::span<const std::uint8_t> msg) {
            if (h.nlmsg_type == NLMSG_NOOP || h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR) return true;
            ++out.messages;
            if (sink) sink(msg, h.nlmsg_type);
            return true;
        });
    }
    return out;
}

void throwNetlinkFailure(const NetlinkSocket::Outcome& outcome, const std::string& what) {
    throwErr(outcome.error, outcome.extack.empty() ? what : what + " [kernel: " + outcome.extack + "]");
}

}  // namespace ibvf::linux
