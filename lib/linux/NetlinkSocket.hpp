#pragma once
// The one raw netlink socket: request/reply for the families libnl-route-3 has no helpers for
// (RDMA netlink, VF lists, IPoIB link data), and multicast event subscriptions (link events for
// the device plugin and for RouteSocket's waits). It reports the kernel's own errno (libnl folds
// several into one code) and its extended-ack text.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "linux/Fd.hpp"
#include "linux/NetlinkMessage.hpp"

namespace ibvf::linux {

// One netlink protocol, in the namespace the calling thread is in when it is constructed. Not
// thread-safe.
class NetlinkSocket {
public:
    // Request/reply. Throws KernelError "open <what> socket" (EPROTONOSUPPORT when the protocol's
    // module is not loaded, e.g. NETLINK_RDMA without ib_core).
    NetlinkSocket(int protocol, std::string what);

    // Events: non-blocking, joined to the multicast `groups` (RTNLGRP_* for NETLINK_ROUTE); more
    // can be joined and left later. Not for request(). Throws KernelError.
    static NetlinkSocket subscribed(int protocol, std::initializer_list<unsigned> groups, std::string what);
    void join(unsigned group);            // throws KernelError "subscribe <what> socket to group N"
    void leave(unsigned group) noexcept;  // events already queued stay: drain() them

    int fd() const { return fd_.get(); }  // for poll()

    struct Outcome {
        int error = 0;       // 0 or the kernel's errno
        std::string extack;  // the kernel's reason, when it gave one
    };
    using ReplySink = std::function<void(std::span<const std::uint8_t> message, std::uint16_t type)>;

    // Sends `message` (NLM_F_ACK or NLM_F_DUMP must be set in it) and reads until its ack, error
    // or end of dump; each data reply goes to `sink`. Local socket failures are errors too.
    Outcome request(std::vector<std::uint8_t> message, const ReplySink& sink = {});

    struct Drained {
        std::size_t messages = 0;  // delivered to the sink
        bool overrun = false;      // events were lost: the kernel dropped some, or one was too big
        // Something happened: an overrun counts, since whatever was lost must be re-read anyway.
        bool any() const { return messages > 0 || overrun; }
    };
    // Reads what is queued without blocking (at most kDrainBatch datagrams, so a flood of events
    // cannot hold the caller: poll() says when more are there); each message goes to `sink`.
    // Throws KernelError on a socket failure other than an overrun.
    Drained drain(const ReplySink& sink = {});
    static constexpr int kDrainBatch = 4096;

private:
    NetlinkSocket(int protocol, std::string what, bool events);

    Fd fd_;
    std::string what_;
    std::uint32_t seq_ = 0;
};

// "what [kernel: extack]: strerror" as KernelError.
[[noreturn]] void throwNetlinkFailure(const NetlinkSocket::Outcome& outcome, const std::string& what);

}  // namespace ibvf::linux
