#include "linux/AtomicFile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>

#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::linux {
namespace fs = std::filesystem;

namespace {

// Unique per process and call, so concurrent writers (threads or processes) of the same target
// never share a temp file; the last rename wins, and each rename is whole.
fs::path tempPathFor(const fs::path& path) {
    static std::atomic<unsigned> counter{0};
    return path.parent_path() /
           (path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1)));
}

void writeAll(int fd, std::string_view content, const fs::path& path) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw KernelError(errno, "write " + path.string());
        }
        content.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The rename is only durable once the directory entry is on disk.
void syncDirectory(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw KernelError(errno, "open directory " + dir.string());
    if (::fsync(fd.get()) != 0) throw KernelError(errno, "fsync directory " + dir.string());
}

// Removes the temp file unless the rename consumed it.
class TempFileGuard {
public:
    explicit TempFileGuard(fs::path path) : path_(std::move(path)) {}
    ~TempFileGuard() {
        if (armed_) ::unlink(path_.c_str());
    }
    TempFileGuard(const TempFileGuard&) = delete;
    TempFileGuard& operator=(const TempFileGuard&) = delete;
    void disarm() { armed_ = false; }

private:
    fs::path path_;
    bool armed_ = true;
};

}  // namespace

namespace {

// Writes `content` to a temp file next to `path`, then renames it over `path` (replace) or links
// it there (create). Returns false when creating and `path` exists.
bool publish(const fs::path& path, std::string_view content, unsigned mode, Durability durability, bool replace) {
    const fs::path temp = tempPathFor(path);
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode)));
    if (!fd) throw KernelError(errno, "create " + temp.string() + " (to replace " + path.string() + ")");
    TempFileGuard guard(temp);
    // The umask must not loosen or tighten what the caller asked for.
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) throw KernelError(errno, "chmod " + temp.string());
    writeAll(fd.get(), content, temp);
    const bool durable = durability == Durability::Durable;
    if (durable && ::fsync(fd.get()) != 0) throw KernelError(errno, "fsync " + temp.string());
    // close() can report a deferred write error (NFS); do not rename a file that failed.
    if (::close(fd.release()) != 0) throw KernelError(errno, "close " + temp.string());
    if (replace && !durable && exchangeFiles(temp, path)) {
        if (::unlink(temp.c_str()) == 0 || errno == ENOENT) {
            guard.disarm();
            return true;
        }
        // `path` was not a file (a directory): put it back and fail as a rename over it would.
        const int err = errno;
        exchangeFiles(temp, path);
        throw KernelError(err, "replace " + path.string());
    }
    if (replace) {
        if (::rename(temp.c_str(), path.c_str()) != 0) throw KernelError(errno, "rename " + temp.string() + " to " + path.string());
        guard.disarm();
    } else if (::link(temp.c_str(), path.c_str()) != 0) {
        if (errno == EEXIST) return false;
        throw KernelError(errno, "link " + temp.string() + " to " + path.string());
    }  // the guard unlinks the temp name; the content stays under `path`
    if (durable) syncDirectory(path.has_parent_path() ? path.parent_path() : fs::path("."));
    return true;
}

}  // namespace

bool linkFile(const fs::path& existing, const fs::path& name) {
    if (::link(existing.c_str(), name.c_str()) == 0) return true;
    if (errno == EEXIST) return false;
    throw KernelError(errno, "link " + existing.string() + " to " + name.string());
}

bool exchangeFiles(const fs::path& a, const fs::path& b) {
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
    if (errno == ENOENT || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) return false;
    throw KernelError(errno, "exchange " + a.string() + " and " + b.string());
}

void writeFileAtomic(const fs::path& path, std::string_view content, unsigned mode, Durability durability) {
    publish(path, content, mode, durability, true);
}

bool createFileAtomic(const fs::path& path, std::string_view content, unsigned mode, Durability durability) {
    return publish(path, content, mode, durability, false);
}

bool isAtomicTempFileName(std::string_view filename) {
    const auto isDigits = [](std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; };
    const auto marker = filename.rfind(".tmp.");
    if (marker == std::string_view::npos || marker == 0) return false;
    const std::string_view tail = filename.substr(marker + 5);
    const auto dot = tail.find('.');
    return dot != std::string_view::npos && isDigits(tail.substr(0, dot)) && isDigits(tail.substr(dot + 1));
}

std::size_t removeStaleTempFiles(const fs::path& dir) {
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!isAtomicTempFileName(name)) continue;
        const std::string tail = name.substr(name.rfind(".tmp.") + 5);
        pid_t pid = 0;
        try {
            pid = static_cast<pid_t>(std::stol(tail.substr(0, tail.find('.'))));
        } catch (const std::exception&) {
            continue;  // out of range: not one of ours
        }
        // EPERM means the process exists (another user's): only ESRCH proves the writer is gone.
        if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
        if (removeFile(it->path())) ++removed;
    }
    if (ec && ec != std::errc::no_such_file_or_directory) throw KernelError(ec.value(), "list " + dir.string());
    return removed;
}

std::optional<std::string> readFile(const fs::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw KernelError(errno, "open " + path.string());
    }
    std::string content;
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) content.reserve(static_cast<std::size_t>(st.st_size));
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw KernelError(errno, "read " + path.string());
        }
        if (n == 0) return content;
        content.append(buf, static_cast<std::size_t>(n));
    }
}

bool removeFile(const fs::path& path) {
    if (::unlink(path.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw KernelError(errno, "remove " + path.string());
}

void makeDirectories(const fs::path& dir, unsigned mode) {
    if (dir.empty()) return;
    // Every call after the first finds it there: one lookup instead of a mkdir per level (an ADD
    // makes sure of five directories, each several levels deep).
    struct stat existing {};
    if (::stat(dir.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) return;
    fs::path current;
    for (const auto& part : dir.lexically_normal()) {
        current /= part;
        if (part.empty() || part == "/" || part == "." || part == "..") continue;
        if (::mkdir(current.c_str(), static_cast<mode_t>(mode)) == 0) {
            // Only directories we created get `mode` exactly (umask would otherwise narrow it);
            // existing ones are left as their owner set them.
            if (::chmod(current.c_str(), static_cast<mode_t>(mode)) != 0) throw KernelError(errno, "chmod " + current.string());
            continue;
        }
        const int err = errno;
        struct stat st {};
        if (err == EEXIST && ::stat(current.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) continue;
            throw KernelError(ENOTDIR, "create directory " + dir.string() + ": " + current.string() + " exists");
        }
        throw KernelError(err, "create directory " + current.string());
    }
}

}  // namespace ibvf::linux
