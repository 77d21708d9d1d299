#include "ipam/StoreDirectory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>

#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "ipam/FaultPoints.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::ipam {
namespace {

using linux::Fd;
using linux::KernelError;

constexpr const char* kLeasesDir = "leases";
constexpr const char* kAttachmentsDir = "attachments";
constexpr const char* kPending = ".pending";
constexpr const char* kLockFile = "lock";
constexpr const char* kCursorFile = "cursors";
// A slot holds the longest IPv6 text (45 bytes); 64 divides the page size, so no slot straddles
// two pages and its pwrite is copied in one piece.
constexpr std::size_t kCursorSlot = 64;
// More digits than a time in seconds will have; keeps a tampered text from overflowing.
constexpr std::size_t kMaxTimeDigits = 18;

}  // namespace

std::string recordName(const AttachmentKey& k) { return k.containerId + ":" + k.ifname; }

bool isStorable(const AttachmentKey& k) {
    return k.containerId.size() <= kMaxContainerId && cni::isValidContainerId(k.containerId) && cni::isValidInterfaceName(k.ifname);
}

std::string recordText(const AttachmentKey& owner, std::int64_t takenAt, const std::vector<net::IpAddress>& addrs) {
    std::string s = owner.containerId;
    s += ' ';
    s += owner.ifname;
    s += ' ';
    s += std::to_string(takenAt);
    for (const auto& a : addrs) {
        s += ' ';
        s += a.toString();
    }
    return s;
}

Record parseRecord(std::string_view text) {
    std::vector<std::string_view> words;
    while (!text.empty()) {
        const auto sp = text.find(' ');
        words.push_back(text.substr(0, sp));
        if (sp == std::string_view::npos) break;
        text.remove_prefix(sp + 1);
    }
    Record r;
    if (words.size() < 3 || words[0].empty() || words[1].empty()) return r;
    if (words[2].empty() || words[2].size() > kMaxTimeDigits) return r;
    std::int64_t t = 0;
    for (const char c : words[2]) {
        if (c < '0' || c > '9') return r;
        t = t * 10 + (c - '0');
    }
    r.owner = {std::string(words[0]), std::string(words[1])};
    r.takenAt = t;
    for (std::size_t i = 3; i < words.size(); ++i) {
        if (const auto a = net::IpAddress::parse(words[i])) r.addresses.push_back(*a);
    }
    return r;
}

std::optional<StoreDirectory> StoreDirectory::open(const StoreLocation& loc, bool create) {
    if (!create && ::access(loc.dir.c_str(), F_OK) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw KernelError(errno, "lease directory " + loc.dir.string());
    }
    auto lock = linux::FileLock::tryAcquire(loc.dir / kLockFile, loc.lockTimeout);
    if (!lock) {
        throw cni::Error(cni::ErrorCode::TryAgainLater, "network " + loc.network + ": the lease store is busy (lock " +
                                                            (loc.dir / kLockFile).string() + " not acquired within " +
                                                            std::to_string(loc.lockTimeout.count()) + " ms)");
    }
    Fd dir(::open(loc.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw KernelError(errno, "open lease directory " + loc.dir.string());
    StoreDirectory s(std::move(*lock), loc.dir, std::move(dir));
    s.leases_ = s.openSubdir(kLeasesDir, create);
    s.attachments_ = s.openSubdir(kAttachmentsDir, create);
    return s;
}

std::optional<Record> StoreDirectory::readRecord(const std::string& name) const {
    auto text = readLink(attachments_, kAttachmentsDir, name);
    if (!text) return std::nullopt;
    return parseRecord(*text);
}

void StoreDirectory::createRecord(const std::string& name, const std::string& text) {
    if (::symlinkat(text.c_str(), attachments_.get(), name.c_str()) != 0) {
        throw KernelError(errno, "create " + path(kAttachmentsDir, name).string());
    }
}

void StoreDirectory::replaceRecord(const std::string& name, const std::string& text) {
    if (::symlinkat(text.c_str(), dir_.get(), kPending) != 0) {
        if (errno != EEXIST) throw KernelError(errno, "create " + (root_ / kPending).string());
        // Left by a killed predecessor; we hold the lock, so it belongs to nobody.
        removeLink(dir_, ".", kPending);
        if (::symlinkat(text.c_str(), dir_.get(), kPending) != 0) {
            throw KernelError(errno, "create " + (root_ / kPending).string());
        }
    }
    faults::reach("ipam.pending.written");
    if (::renameat(dir_.get(), kPending, attachments_.get(), name.c_str()) != 0) {
        throw KernelError(errno, "rename " + (root_ / kPending).string() + " to " + path(kAttachmentsDir, name).string());
    }
}

bool StoreDirectory::removeRecord(const std::string& name) { return removeLink(attachments_, kAttachmentsDir, name); }

bool StoreDirectory::removePending() { return removeLink(dir_, ".", kPending); }

std::optional<Record> StoreDirectory::readLease(const net::IpAddress& a) const {
    auto text = readLink(leases_, kLeasesDir, a.toString());
    if (!text) return std::nullopt;
    return parseRecord(*text);
}

bool StoreDirectory::hasLease(const net::IpAddress& a) const {
    if (!leases_) return false;
    struct stat st {};
    const std::string name = a.toString();
    if (::fstatat(leases_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
    if (errno == ENOENT) return false;
    throw KernelError(errno, "stat " + path(kLeasesDir, name).string());
}

bool StoreDirectory::linkLease(const net::IpAddress& a, const std::string& recordName) {
    const std::string name = a.toString();
    // Flags 0: the symlink itself is linked, never its (meaningless) target.
    if (::linkat(attachments_.get(), recordName.c_str(), leases_.get(), name.c_str(), 0) == 0) return true;
    if (errno == EEXIST) return false;
    throw KernelError(errno, "link " + path(kLeasesDir, name).string() + " to " + path(kAttachmentsDir, recordName).string());
}

bool StoreDirectory::removeLease(const net::IpAddress& a) { return removeLink(leases_, kLeasesDir, a.toString()); }

std::filesystem::path StoreDirectory::leasePath(const net::IpAddress& a) const { return path(kLeasesDir, a.toString()); }

std::optional<net::IpAddress> StoreDirectory::readCursor(std::size_t set) {
    if (!openCursors(false)) return std::nullopt;
    char buf[kCursorSlot];
    const ssize_t n = ::pread(cursors_.get(), buf, sizeof buf, static_cast<off_t>(set * kCursorSlot));
    if (n <= 0) return std::nullopt;
    const std::string_view text(buf, static_cast<std::size_t>(n));
    return net::IpAddress::parse(text.substr(0, text.find_first_of(std::string_view("\n\0", 2))));
}

void StoreDirectory::writeCursor(std::size_t set, const net::IpAddress& a) {
    openCursors(true);
    char buf[kCursorSlot] = {};
    const std::string text = a.toString();
    std::copy(text.begin(), text.end(), buf);
    buf[text.size()] = '\n';
    const ssize_t n = ::pwrite(cursors_.get(), buf, sizeof buf, static_cast<off_t>(set * kCursorSlot));
    if (n != static_cast<ssize_t>(sizeof buf)) {
        throw KernelError(n < 0 ? errno : EIO, "write " + (root_ / kCursorFile).string());
    }
}

std::vector<std::string> StoreDirectory::listRecords() const { return listDir(attachments_, kAttachmentsDir); }

std::vector<std::string> StoreDirectory::listLeases() const { return listDir(leases_, kLeasesDir); }

Fd StoreDirectory::openSubdir(const char* sub, bool create) {
    for (int attempt = 0;; ++attempt) {
        Fd fd(::openat(dir_.get(), sub, O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (fd) return fd;
        if (errno != ENOENT) throw KernelError(errno, "open " + (root_ / sub).string());
        if (!create) return Fd();
        if (attempt > 0 || (::mkdirat(dir_.get(), sub, 0700) != 0 && errno != EEXIST)) {
            throw KernelError(errno, "create " + (root_ / sub).string());
        }
    }
}

bool StoreDirectory::openCursors(bool create) {
    if (cursors_) return true;
    cursors_.reset(::openat(dir_.get(), kCursorFile, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600));
    if (cursors_) return true;
    if (errno == ENOENT && !create) return false;
    throw KernelError(errno, "open " + (root_ / kCursorFile).string());
}

std::optional<std::string> StoreDirectory::readLink(const Fd& dir, const char* sub, const std::string& name) const {
    if (!dir) return std::nullopt;
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(dir.get(), name.c_str(), buf, sizeof buf);
    if (n >= 0) return std::string(buf, static_cast<std::size_t>(n));
    if (errno == ENOENT) return std::nullopt;
    throw KernelError(errno, "read " + path(sub, name).string());
}

bool StoreDirectory::removeLink(const Fd& dir, const char* sub, const std::string& name) {
    if (!dir) return false;
    if (::unlinkat(dir.get(), name.c_str(), 0) == 0) return true;
    if (errno == ENOENT) return false;
    throw KernelError(errno, "remove " + path(sub, name).string());
}

std::vector<std::string> StoreDirectory::listDir(const Fd& dir, const char* sub) const {
    std::vector<std::string> names;
    if (!dir) return names;
    const int fd = ::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw KernelError(errno, "open " + (root_ / sub).string());
    DIR* d = ::fdopendir(fd);
    if (!d) {
        const int err = errno;
        ::close(fd);
        throw KernelError(err, "list " + (root_ / sub).string());
    }
    const std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
    while (const dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
    }
    return names;
}

}  // namespace ibvf::ipam
