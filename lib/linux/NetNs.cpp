#include "linux/NetNs.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "linux/KernelError.hpp"

namespace ibvf::linux {

namespace {

struct stat statOf(const NetNs& ns) {
    struct stat st {};
    if (::fstat(ns.fd(), &st) != 0) throwErrno("stat netns " + ns.path());
    return st;
}

const std::string kProcSys = "/proc/sys/";

}  // namespace

NetNs NetNs::open(const std::string& path) { return *openChecked(path, true); }

std::optional<NetNs> NetNs::openIfPresent(const std::string& path) { return openChecked(path, false); }

std::optional<NetNs> NetNs::openChecked(const std::string& path, bool goneIsError) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT && !goneIsError) return std::nullopt;
        throwErrno("open netns " + path);
    }
    // A /run/netns entry whose bind mount is gone is an ordinary empty file; setns() would only
    // fail later with a bare EINVAL, so say what is wrong here.
    const int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0) {
        if (errno == ENOTTY) {
            if (!goneIsError) return std::nullopt;
            throwErr(EINVAL, "open netns " + path + ": not a namespace file");
        }
        throwErrno("open netns " + path);
    }
    if (type != CLONE_NEWNET) throwErr(EINVAL, "open netns " + path + ": not a network namespace");
    return NetNs(std::move(fd), path);
}

NetNs NetNs::current() {
    static const std::string self = "/proc/thread-self/ns/net";
    Fd fd(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throwErrno("open netns " + self);
    return NetNs(std::move(fd), self);
}

ino_t NetNs::inode() const { return statOf(*this).st_ino; }

std::uint64_t NetNs::cookie() const {
    // Any socket answers for the namespace it was created in; a unix one needs no module.
    Fd socket = runInNetNs(*this, [] { return Fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)); });
    if (!socket) throwErrno("open a socket in netns " + path_);
    return netnsCookieOfSocket(socket.get());
}

std::optional<std::string> NetNs::differsFrom(std::uint64_t recordedInode, std::uint64_t recordedCookie) const {
    if (const std::uint64_t now = inode(); recordedInode != 0 && now != recordedInode)
        return "inode " + std::to_string(now) + ", the recorded one was " + std::to_string(recordedInode);
    // The inode number alone passes once the kernel has handed a freed one to a new namespace.
    if (recordedCookie == 0) return std::nullopt;
    if (const std::uint64_t now = cookie(); now != 0 && now != recordedCookie)
        return "cookie " + std::to_string(now) + ", the recorded one was " + std::to_string(recordedCookie);
    return std::nullopt;
}

bool NetNs::sameAs(const NetNs& other) const {
    const struct stat a = statOf(*this);
    const struct stat b = statOf(other);
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::uint64_t netnsCookieOfSocket(int socketFd) {
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    if (::getsockopt(socketFd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0) return cookie;
    if (errno == ENOPROTOOPT) return 0;  // before Linux 5.14: the inode check stands alone
    throwErrno("read the netns cookie of socket " + std::to_string(socketFd));
}

NetNsGuard::NetNsGuard(const NetNs& target) : original_(NetNs::current()) {
    if (::setns(target.fd(), CLONE_NEWNET) != 0) throwErrno("enter netns " + target.path());
}

NetNsGuard::~NetNsGuard() {
    if (::setns(original_.fd(), CLONE_NEWNET) == 0) return;
    // Every later netlink socket, sysctl write and exec from this thread would silently act on
    // the wrong namespace; stopping is the only safe outcome.
    const int err = errno;
    std::fprintf(stderr, "ibvf: fatal: cannot return to the original network namespace: %s\n", std::strerror(err));
    std::terminate();
}

void writeProcSys(const std::string& relPath, const std::string& value) {
    // /proc/sys/net resolves to the namespace of the thread that opens it, so this must be
    // opened after any setns(), never cached across namespaces.
    const std::string path = kProcSys + relPath;
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throwErrno("open " + path);
    // A sysctl takes the value in one write(); a short write would apply a truncated value.
    const ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0) throwErrno("write '" + value + "' to " + path);
    if (static_cast<std::size_t>(n) != value.size()) throwErr(EIO, "write '" + value + "' to " + path + ": short write");
}

std::string readProcSys(const std::string& relPath) {
    const std::string path = kProcSys + relPath;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throwErrno("open " + path);
    std::string out;
    char buf[512];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throwErrno("read " + path);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace ibvf::linux
