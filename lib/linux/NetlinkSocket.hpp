#pragma once
// A plain request/reply netlink socket for the families libnl-route-3 has no helpers for (RDMA
// netlink, VF lists, IPoIB link data). It reports the kernel's own errno (libnl folds several
// into one code) and its extended-ack text.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "linux/Fd.hpp"
#include "linux/NetlinkMessage.hpp"

namespace ibvf::linux {

// Request/reply on one netlink protocol, in the namespace the calling thread is in when it is
// constructed. Not thread-safe.
class NetlinkSocket {
public:
    // Throws KernelError "open <what> socket" (EPROTONOSUPPORT when the protocol's module is
    // not loaded, e.g. NETLINK_RDMA without ib_core).
    NetlinkSocket(int protocol, std::string what);

    struct Outcome {
        int error = 0;       // 0 or the kernel's errno
        std::string extack;  // the kernel's reason, when it gave one
    };
    using ReplySink = std::function<void(std::span<const std::uint8_t> message, std::uint16_t type)>;

    // Sends `message` (NLM_F_ACK or NLM_F_DUMP must be set in it) and reads until its ack, error
    // or end of dump; each data reply goes to `sink`. Local socket failures are errors too.
    Outcome request(std::vector<std::uint8_t> message, const ReplySink& sink = {});

private:
    Fd fd_;
    std::string what_;
    std::uint32_t seq_ = 0;
};

// "what [kernel: extack]: strerror" as KernelError.
[[noreturn]] void throwNetlinkFailure(const NetlinkSocket::Outcome& outcome, const std::string& what);

}  // namespace ibvf::linux
