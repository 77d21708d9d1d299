#include "linux/NetnsSocket.hpp"

#include <cerrno>
#include <utility>

#include "linux/KernelError.hpp"

namespace ibvf::linux {

namespace {

ReadError failedWith(const KernelError& e) { return ReadError{ReadFailure::Failed, e.err(), e.what()}; }

}  // namespace

std::string NamespacedSocket::where() const { return netnsPath.empty() ? std::string() : " in netns " + netnsPath; }

ReadResult<NamespacedSocket> openNetlinkSocketIn(const NetNs& ns, int protocol, const std::string& what) {
    try {
        return runInNetNs(ns, [&]() -> ReadResult<NamespacedSocket> {
            try {
                return NamespacedSocket{NetlinkSocket(protocol, what), ns.path()};
            } catch (const KernelError& e) {
                // Named with the namespace: the socket's own message does not know it.
                return failedWith(KernelError(e.err(), "open " + what + " socket in netns " + ns.path()));
            }
        });
    } catch (const KernelError& e) {
        return failedWith(e);
    }
}

ReadResult<NamespacedSocket> openNetlinkSocketHere(int protocol, const std::string& what) {
    try {
        return NamespacedSocket{NetlinkSocket(protocol, what), {}};
    } catch (const KernelError& e) {
        return failedWith(e);
    }
}

ReadResult<NetNs> openRecordedNetns(const std::string& netnsPath, std::uint64_t recordedInode, std::uint64_t recordedCookie) {
    try {
        auto ns = NetNs::openIfPresent(netnsPath);
        if (!ns) return ReadError{ReadFailure::NamespaceGone, ENOENT, "netns " + netnsPath + " is gone"};
        if (const auto other = ns->differsFrom(recordedInode, recordedCookie))
            return ReadError{ReadFailure::NamespaceGone, ESTALE,
                             "netns " + netnsPath + " now names another namespace (" + *other + "): the pod's namespace is gone"};
        return std::move(*ns);
    } catch (const KernelError& e) {
        return failedWith(e);
    }
}

ReadError netlinkReadError(const NetlinkSocket::Outcome& outcome, const std::string& what, ReadFailure kind) {
    const std::string text = outcome.extack.empty() ? what : what + " [kernel: " + outcome.extack + "]";
    return ReadError{kind, outcome.error, KernelError(outcome.error, text).what()};
}

}  // namespace ibvf::linux
