#pragma once
// A netlink socket opened inside another network namespace, for the scrape-time readers
// (LinkStatsReader, RdmaCounterReader): the calling thread enters the namespace only for the
// socket() call and is back before this returns; the socket keeps answering for that namespace. A namespace that is gone is a ReadResult,
// not an exception: pods end between listing and reading all the time.
#include <cstdint>
#include <string>

#include "linux/NetNs.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/ReadResult.hpp"

namespace ibvf::linux {

// A request socket and the namespace it answers for, as the scrape-time readers keep it.
struct NamespacedSocket {
    NetlinkSocket socket;
    std::string netnsPath;  // "" for a socket opened where the caller is

    std::string where() const;  // " in netns <path>", or "" here: for messages
};

// Failed (with the errno and the path) when the socket cannot be opened there, e.g. EPERM
// entering the namespace or EPROTONOSUPPORT for the protocol.
ReadResult<NamespacedSocket> openNetlinkSocketIn(const NetNs& ns, int protocol, const std::string& what);
// Where the calling thread is; Failed instead of a KernelError.
ReadResult<NamespacedSocket> openNetlinkSocketHere(int protocol, const std::string& what);

// The namespace at `netnsPath` if it is still the one recorded at a pod's ADD as `recordedInode`
// and `recordedCookie` (NetNs::differsFrom; 0: not recorded, not checked). NamespaceGone when the
// path is missing, only a stale pin file, or names another namespace now: a runtime may reuse a
// path for a new pod, whose links must never be read as the old pod's. Failed for anything else.
ReadResult<NetNs> openRecordedNetns(const std::string& netnsPath, std::uint64_t recordedInode, std::uint64_t recordedCookie);

// ReadError{Failed} from a netlink outcome: "what [kernel: extack]: strerror".
ReadError netlinkReadError(const NetlinkSocket::Outcome& outcome, const std::string& what, ReadFailure kind = ReadFailure::Failed);

}  // namespace ibvf::linux
