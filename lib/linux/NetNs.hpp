#pragma once
// Network namespaces as handles. Entering one is scoped: the guard always switches the calling
// thread back, even when the body throws. Netlink sockets keep the namespace they were created
// in, so the usual pattern is: enter, open a socket, leave, then drive the socket from the host.
#include <sys/types.h>
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
    bool sameAs(const NetNs& other) const;

private:
    static std::optional<NetNs> openChecked(const std::string& path, bool goneIsError);
    NetNs(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::string path_;
};

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
