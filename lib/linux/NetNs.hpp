#pragma once
// Network namespaces as handles. Entering one is scoped: the guard always switches the calling
// thread back, even when the body throws. Netlink sockets keep the namespace they were created
// in, so the usual pattern is: enter, open a socket, leave, then drive the socket from the host.
#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>

#include "linux/Fd.hpp"

namespace ibvf::linux {

class NetNs {
public:
    // Throws KernelError naming the path (ENOENT when the namespace is gone).
    static NetNs open(const std::string& path);
    // Like open(), but nullopt when the namespace is gone: the path is missing, or only the
    // empty pin file of an unmounted namespace is left. Other failures still throw.
    static std::optional<NetNs> openIfPresent(const std::string& path);
    static NetNs current();  // /proc/thread-self/ns/net
    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    ino_t inode() const;
    // The kernel's cookie for the namespace: unlike the inode number, never given to another
    // namespace during a boot. Enters the namespace for one socket() call; 0 on a kernel without
    // SO_NETNS_COOKIE (before 5.14). Throws KernelError.
    std::uint64_t cookie() const;
    bool sameAs(const NetNs& other) const;
    // Why this is not the namespace recorded (at a pod's ADD) as `recordedInode` and
    // `recordedCookie`, or nullopt when it is. A 0 was not recorded and is not checked: a state
    // written by an older ibvf has no cookie, nor does a kernel before 5.14.
    std::optional<std::string> differsFrom(std::uint64_t recordedInode, std::uint64_t recordedCookie) const;

private:
    static std::optional<NetNs> openChecked(const std::string& path, bool goneIsError);
    NetNs(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::string path_;
};

// The cookie (NetNs::cookie) of the namespace `socketFd` was created in, without entering it: 0
// on a kernel without SO_NETNS_COOKIE. Throws KernelError.
std::uint64_t netnsCookieOfSocket(int socketFd);

// setns() into `target` for the calling thread; back to the original on destruction.
class NetNsGuard {
public:
    explicit NetNsGuard(const NetNs& target);
    ~NetNsGuard();
    NetNsGuard(const NetNsGuard&) = delete;
    NetNsGuard& operator=(const NetNsGuard&) = delete;

private:
    NetNs original_;
};

template <class F>
auto runInNetNs(const NetNs& ns, F&& f) {
    NetNsGuard guard(ns);
    return f();
}

// Sysctl inside the current namespace, e.g. writeSysctl("net/ipv4/conf/net1/arp_notify", "1").
void writeProcSys(const std::string& relPath, const std::string& value);
std::string readProcSys(const std::string& relPath);

}  // namespace ibvf::linux
