#include "linux/Beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "linux/KernelError.hpp"

namespace ibvf::linux {
namespace {

// Debian 12's glibc has no openat2() wrapper.
int openat2Syscall(int dirFd, const char* path, open_how* how) {
    return static_cast<int>(::syscall(SYS_openat2, dirFd, path, how, sizeof(open_how)));
}

constexpr std::size_t kMaxNameBytes = 255;  // NAME_MAX

PathBeneath refuse(std::string why) { return {{}, std::move(why)}; }

std::string_view withoutTrailingSlashes(std::string_view dir) {
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    return dir;
}

}  // namespace

PathBeneath pathBeneath(std::string_view path, std::string_view dir, std::size_t maxDepth, std::size_t maxPathBytes) {
    if (path.empty()) return refuse("it is empty");
    if (path.size() > maxPathBytes) return refuse("it is longer than " + std::to_string(maxPathBytes) + " bytes");
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return refuse("it contains a control character");
    }
    dir = withoutTrailingSlashes(dir);
    std::string_view rest = path;
    if (rest.front() == '/') {
        const std::string prefix = dir == "/" ? std::string("/") : std::string(dir) + "/";
        if (rest.substr(0, prefix.size()) != prefix) return refuse("it is outside " + std::string(dir));
        rest.remove_prefix(prefix.size());
    }
    std::vector<std::string_view> names;
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto name = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (name.empty() || name == ".") continue;
        if (name == "..") return refuse("it contains \"..\"");
        if (name.size() > kMaxNameBytes) return refuse("a name in it is longer than 255 bytes");
        names.push_back(name);
    }
    if (names.empty()) return refuse("it names " + std::string(dir) + " itself, not a file in it");
    if (names.size() > maxDepth + 1) return refuse("it is more than " + std::to_string(maxDepth) + " directories deep");
    if (path.back() == '/') return refuse("it names a directory, not a file");
    std::string relative;
    for (const auto name : names) {
        if (!relative.empty()) relative += '/';
        relative.append(name);
    }
    return {relative, {}};
}

Fd openBeneath(int dirFd, const std::string& relative, int flags, mode_t mode) {
    open_how how{};
    how.flags = static_cast<unsigned long long>(flags) | O_CLOEXEC | O_NOFOLLOW;
    // The mode is only meaningful (and only allowed) when a file may be created.
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = -1;
    do {
        fd = openat2Syscall(dirFd, relative.c_str(), &how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    if (fd < 0 && errno == ENOSYS) {
        if (relative.empty() || relative.find('/') != std::string::npos || relative == "." || relative == "..") {
            errno = EXDEV;
            return Fd();
        }
        fd = ::openat(dirFd, relative.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode);
    }
    return Fd(fd);
}

Fd directoryBeneath(int dirFd, std::string_view relative, bool create, mode_t mode) {
    Fd dir(::fcntl(dirFd, F_DUPFD_CLOEXEC, 0));
    if (!dir) throwErrno("dup a directory fd");
    std::string walked;
    while (!relative.empty()) {
        const auto slash = relative.find('/');
        const std::string name(relative.substr(0, slash));
        relative = slash == std::string_view::npos ? std::string_view{} : relative.substr(slash + 1);
        if (name.empty() || name == ".") continue;
        walked += walked.empty() ? name : "/" + name;
        if (name == "..") throwErr(EXDEV, "directory " + walked + " leaves the directory it must stay in");
        if (create && ::mkdirat(dir.get(), name.c_str(), mode) != 0 && errno != EEXIST) {
            throwErrno("create directory " + walked);
        }
        Fd next = openBeneath(dir.get(), name, O_RDONLY | O_DIRECTORY);
        if (!next) throwErrno("open directory " + walked);
        dir = std::move(next);
    }
    return dir;
}

std::string readFileBeneath(int dirFd, const std::string& relative, std::size_t maxBytes) {
    // O_NONBLOCK: a FIFO planted there must not hang the reader.
    Fd fd = openBeneath(dirFd, relative, O_RDONLY | O_NONBLOCK);
    if (!fd) throwErrno("open " + relative);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throwErrno("stat " + relative);
    if (!S_ISREG(st.st_mode)) throwErr(EINVAL, relative + " is not a regular file");
    if (static_cast<std::size_t>(st.st_size) > maxBytes) {
        throwErr(EFBIG, relative + " is larger than " + std::to_string(maxBytes) + " bytes");
    }
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwErrno("read " + relative);
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > maxBytes) throwErr(EFBIG, relative + " is larger than " + std::to_string(maxBytes) + " bytes");
    }
    return out;
}

Fd openDirectory(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throwErrno("open directory " + path);
    return fd;
}

}  // namespace ibvf::linux
