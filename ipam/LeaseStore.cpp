#include "ipam/LeaseStore.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "ipam/Allocator.hpp"
#include "ipam/CrashPoints.hpp"
#include "linux/Fd.hpp"
#include "linux/FileLock.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::ipam {
namespace {

namespace fs = std::filesystem;
using cni::Error;
using cni::ErrorCode;
using kernel::Fd;
using kernel::KernelError;

constexpr const char* kLeasesDir = "leases";
constexpr const char* kAttachmentsDir = "attachments";
constexpr const char* kPending = ".pending";
constexpr const char* kLockFile = "lock";
constexpr const char* kCursorFile = "cursors";
// A slot holds the longest IPv6 text (45 bytes); 64 divides the page size, so no slot straddles
// two pages and its pwrite is copied in one piece.
constexpr std::size_t kCursorSlot = 64;
// Leaves room under NAME_MAX (255) for the ':' and a 15-byte interface name.
constexpr std::size_t kMaxContainerId = 200;

std::string keyName(const AttachmentKey& k) { return k.containerId + ":" + k.ifname; }

// What can be stored: the name must be one directory entry and the record text must split back.
bool isStorable(const AttachmentKey& k) {
    return k.containerId.size() <= kMaxContainerId && cni::isValidContainerId(k.containerId) &&
           cni::isValidInterfaceName(k.ifname);
}

// The content of an attachment's record, which each of its leases shares by being a hard link.
struct Record {
    AttachmentKey owner;  // empty when the text does not parse: matches no attachment
    std::int64_t takenAt = 0;
    std::vector<net::IpAddress> addresses;
};

std::string recordText(const AttachmentKey& k, std::int64_t takenAt, const std::vector<net::IpAddress>& addrs) {
    std::string s = k.containerId;
    s += ' ';
    s += k.ifname;
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

std::string addressListText(const std::vector<net::IpAddress>& addrs) {
    std::string s;
    for (const auto& a : addrs) {
        if (!s.empty()) s += ' ';
        s += a.toString();
    }
    return s;
}

bool contains(const std::vector<net::IpAddress>& v, const net::IpAddress& a) {
    return std::find(v.begin(), v.end(), a) != v.end();
}

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The store's directory, locked, with its subdirectories open for the *at() calls: each record
// operation is then one system call without a path walk from the root.
class LockedStore {
public:
    // nullopt when `create` is false and the store was never created (nothing to release or check).
    static std::optional<LockedStore> open(const StoreLocation& loc, bool create) {
        if (!create && ::access(loc.dir.c_str(), F_OK) != 0) {
            if (errno == ENOENT) return std::nullopt;
            throw KernelError(errno, "lease directory " + loc.dir.string());
        }
        auto lock = kernel::FileLock::tryAcquire(loc.dir / kLockFile, loc.lockTimeout);
        if (!lock) {
            throw Error(ErrorCode::TryAgainLater,
                        "network " + loc.network + ": the lease store is busy (lock " + (loc.dir / kLockFile).string() +
                            " not acquired within " + std::to_string(loc.lockTimeout.count()) + " ms)");
        }
        Fd dir(::open(loc.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir) throw KernelError(errno, "open lease directory " + loc.dir.string());
        LockedStore s(std::move(*lock), loc.dir, std::move(dir));
        s.leases_ = s.openSubdir(kLeasesDir, create);
        s.attachments_ = s.openSubdir(kAttachmentsDir, create);
        return s;
    }

    // ---- attachment records ------------------------------------------------------------------
    std::optional<Record> readRecord(const std::string& name) const {
        auto text = readLink(attachments_, kAttachmentsDir, name);
        if (!text) return std::nullopt;
        return parseRecord(*text);
    }
    // Fails if it exists: only called after reading that it does not, under the lock.
    void createRecord(const std::string& name, const std::string& text) {
        if (::symlinkat(text.c_str(), attachments_.get(), name.c_str()) != 0) {
            throw KernelError(errno, "create " + path(kAttachmentsDir, name).string());
        }
    }
    void replaceRecord(const std::string& name, const std::string& text) {
        // A .pending left by a killed predecessor belongs to nobody (we hold the lock): replace it.
        if (::symlinkat(text.c_str(), dir_.get(), kPending) != 0) {
            if (errno != EEXIST) throw KernelError(errno, "create " + (root_ / kPending).string());
            removeLink(dir_, ".", kPending);
            if (::symlinkat(text.c_str(), dir_.get(), kPending) != 0) {
                throw KernelError(errno, "create " + (root_ / kPending).string());
            }
        }
        crash::reach("pending.written");
        if (::renameat(dir_.get(), kPending, attachments_.get(), name.c_str()) != 0) {
            throw KernelError(errno, "rename " + (root_ / kPending).string() + " to " + path(kAttachmentsDir, name).string());
        }
    }
    bool removeRecord(const std::string& name) { return removeLink(attachments_, kAttachmentsDir, name); }
    bool removePending() { return removeLink(dir_, ".", kPending); }

    // ---- leases ------------------------------------------------------------------------------
    std::optional<Record> readLease(const net::IpAddress& a) const {
        auto text = readLink(leases_, kLeasesDir, a.toString());
        if (!text) return std::nullopt;
        return parseRecord(*text);
    }
    bool hasLease(const net::IpAddress& a) const {
        if (!leases_) return false;
        struct stat st {};
        const std::string name = a.toString();
        if (::fstatat(leases_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
        if (errno == ENOENT) return false;
        throw KernelError(errno, "stat " + path(kLeasesDir, name).string());
    }
    // Claims `a` for the attachment whose record is `recordName`; false when `a` is taken.
    bool linkLease(const net::IpAddress& a, const std::string& recordName) {
        const std::string name = a.toString();
        if (::linkat(attachments_.get(), recordName.c_str(), leases_.get(), name.c_str(), 0) == 0) return true;
        if (errno == EEXIST) return false;
        throw KernelError(errno, "link " + path(kLeasesDir, name).string() + " to " + path(kAttachmentsDir, recordName).string());
    }
    bool removeLease(const net::IpAddress& a) { return removeLink(leases_, kLeasesDir, a.toString()); }

    // ---- round-robin cursors -----------------------------------------------------------------
    std::optional<net::IpAddress> readCursor(std::size_t set) {
        if (!openCursors(false)) return std::nullopt;
        char buf[kCursorSlot];
        const ssize_t n = ::pread(cursors_.get(), buf, sizeof buf, static_cast<off_t>(set * kCursorSlot));
        if (n <= 0) return std::nullopt;
        const std::string_view text(buf, static_cast<std::size_t>(n));
        return net::IpAddress::parse(text.substr(0, text.find_first_of(std::string_view("\n\0", 2))));
    }
    void writeCursor(std::size_t set, const net::IpAddress& a) {
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

    std::vector<std::string> listAttachments() const { return listDir(attachments_, kAttachmentsDir); }
    std::vector<std::string> listLeases() const { return listDir(leases_, kLeasesDir); }

private:
    LockedStore(kernel::FileLock lock, fs::path root, Fd dir)
        : lock_(std::move(lock)), root_(std::move(root)), dir_(std::move(dir)) {}

    fs::path path(const char* sub, const std::string& name) const { return root_ / sub / name; }

    Fd openSubdir(const char* sub, bool create) {
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

    bool openCursors(bool create) {
        if (cursors_) return true;
        cursors_.reset(::openat(dir_.get(), kCursorFile, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600));
        if (cursors_) return true;
        if (errno == ENOENT && !create) return false;
        throw KernelError(errno, "open " + (root_ / kCursorFile).string());
    }

    std::optional<std::string> readLink(const Fd& dir, const char* sub, const std::string& name) const {
        if (!dir) return std::nullopt;
        char buf[PATH_MAX];
        const ssize_t n = ::readlinkat(dir.get(), name.c_str(), buf, sizeof buf);
        if (n >= 0) return std::string(buf, static_cast<std::size_t>(n));
        if (errno == ENOENT) return std::nullopt;
        throw KernelError(errno, "read " + path(sub, name).string());
    }

    bool removeLink(const Fd& dir, const char* sub, const std::string& name) {
        if (!dir) return false;
        if (::unlinkat(dir.get(), name.c_str(), 0) == 0) return true;
        if (errno == ENOENT) return false;
        throw KernelError(errno, "remove " + path(sub, name).string());
    }

    std::vector<std::string> listDir(const Fd& dir, const char* sub) const {
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

    kernel::FileLock lock_;
    fs::path root_;
    Fd dir_;
    Fd leases_;       // empty when absent and not created
    Fd attachments_;  // likewise
    Fd cursors_;      // opened on first use
};

[[noreturn]] void ipamFailure(const StoreLocation& loc, const std::string& what) {
    throw Error(ErrorCode::IpamFailure, "network " + loc.network + ": " + what);
}

std::string describeSet(const RangeSet& set) {
    std::string s;
    for (const auto& r : set) {
        if (!s.empty()) s += ", ";
        s += r.describe();
    }
    return s;
}

}  // namespace

std::vector<net::IpAddress> LeaseStore::allocate(const AttachmentKey& who, const std::vector<RangeSet>& sets,
                                                 const Exclusions& exclusions,
                                                 const std::vector<std::optional<net::IpAddress>>& requested) {
    if (!isStorable(who)) {
        throw Error(ErrorCode::InvalidEnvironment,
                    "container ID '" + who.containerId + "' / interface '" + who.ifname +
                        "' cannot key a lease (container IDs up to " + std::to_string(kMaxContainerId) + " bytes)");
    }
    auto store = LockedStore::open(loc_, true);
    crash::reach("add.locked");
    const std::string name = keyName(who);
    const auto record = store->readRecord(name);

    // Leases this attachment holds already (an earlier ADD without DEL, or one that was killed).
    std::vector<net::IpAddress> held;
    if (record) {
        for (const auto& a : record->addresses) {
            const auto lease = store->readLease(a);
            if (lease && lease->owner == who) held.push_back(a);
        }
    }

    // Choose everything before writing anything: any failure leaves the store as it was.
    std::vector<net::IpAddress> chosen;
    std::vector<net::IpAddress> toLink;
    std::vector<std::pair<std::size_t, net::IpAddress>> cursorMoves;
    for (std::size_t i = 0; i < sets.size(); ++i) {
        const RangeSet& set = sets[i];
        if (i < requested.size() && requested[i]) {
            const net::IpAddress& want = *requested[i];
            if (const auto why = whyUnassignable(set, exclusions, want)) ipamFailure(loc_, "requested address " + *why);
            if (!contains(held, want)) {
                if (const auto lease = store->readLease(want)) {
                    if (!(lease->owner == who)) {
                        ipamFailure(loc_, "requested address " + want.toString() + " is already leased to container " +
                                              lease->owner.containerId + " interface " + lease->owner.ifname);
                    }
                    held.push_back(want);  // its own lease, missing from its record (tampering): adopt it
                } else {
                    toLink.push_back(want);
                }
            }
            chosen.push_back(want);
            continue;
        }
        const auto keep = std::find_if(held.begin(), held.end(),
                                       [&](const net::IpAddress& a) { return !whyUnassignable(set, exclusions, a); });
        if (keep != held.end()) {
            chosen.push_back(*keep);
            continue;
        }
        const auto next = nextFree(set, exclusions, store->readCursor(i),
                                   [&](const net::IpAddress& a) { return store->hasLease(a); });
        if (!next) ipamFailure(loc_, "no free address left in range set " + std::to_string(i) + " (" + describeSet(set) + ")");
        chosen.push_back(*next);
        toLink.push_back(*next);
        cursorMoves.emplace_back(i, *next);
    }

    // Record first (I2), then the leases, then the cursors.
    const std::int64_t now = nowSeconds();
    std::vector<net::IpAddress> listed = chosen;
    if (!record) {
        store->createRecord(name, recordText(who, now, chosen));
    } else {
        listed = record->addresses;
        for (const auto& a : chosen) {
            if (!contains(listed, a)) listed.push_back(a);
        }
        // Also rewritten when only the owner text is off (a tampered record); its leases must
        // read as the attachment's.
        if (listed != record->addresses || !(record->owner == who)) store->replaceRecord(name, recordText(who, now, listed));
    }
    crash::reach("add.index-written");
    for (const auto& a : toLink) {
        // Chosen free under the lock: an existing name means something writes without the lock.
        if (!store->linkLease(a, name)) {
            throw KernelError(EEXIST, "lease " + (loc_.dir / kLeasesDir / a.toString()).string() +
                                          " appeared while the store was locked");
        }
        crash::reach("add.lease-created");
    }
    for (const auto& [set, a] : cursorMoves) {
        store->writeCursor(set, a);
        crash::reach("add.cursor-written");
    }
    if (record) {
        for (const auto& a : held) {
            if (contains(chosen, a)) continue;
            store->removeLease(a);
            crash::reach("add.stale-lease-removed");
        }
        if (listed != chosen) {
            store->replaceRecord(name, recordText(who, now, chosen));
            crash::reach("add.index-final");
        }
    }
    spdlog::debug("network {}: {} {} -> {}", loc_.network, who.containerId, who.ifname, addressListText(chosen));
    return chosen;
}

std::size_t LeaseStore::release(const AttachmentKey& who) {
    if (!isStorable(who)) return 0;  // nothing could have been stored under it
    auto store = LockedStore::open(loc_, false);
    if (!store) return 0;
    const std::string name = keyName(who);
    const auto record = store->readRecord(name);
    if (!record) return 0;
    std::size_t released = 0;
    for (const auto& a : record->addresses) {
        const auto lease = store->readLease(a);
        if (!lease || !(lease->owner == who)) continue;  // never taken, or re-taken by another (I3)
        store->removeLease(a);
        ++released;
        crash::reach("del.lease-removed");
    }
    store->removeRecord(name);
    crash::reach("del.index-removed");
    spdlog::debug("network {}: released {} lease(s) of {} {}", loc_.network, released, who.containerId, who.ifname);
    return released;
}

std::size_t LeaseStore::releaseAllExcept(const std::vector<AttachmentKey>& keep) {
    auto store = LockedStore::open(loc_, false);
    if (!store) return 0;
    std::unordered_set<std::string> kept;
    for (const auto& k : keep) kept.insert(keyName(k));

    std::size_t released = 0;
    for (const auto& name : store->listAttachments()) {
        if (kept.count(name)) continue;
        const auto record = store->readRecord(name);
        for (const auto& a : record ? record->addresses : std::vector<net::IpAddress>{}) {
            const auto lease = store->readLease(a);
            if (!lease || keyName(lease->owner) != name) continue;
            store->removeLease(a);
            ++released;
            crash::reach("gc.lease-removed");
        }
        store->removeRecord(name);
        crash::reach("gc.index-removed");
    }

    // Leases no kept record accounts for: only tampering or an older layout leaves these, but GC
    // is where a store heals whatever happened to it.
    std::unordered_map<std::string, std::vector<net::IpAddress>> records;
    for (const auto& leaseName : store->listLeases()) {
        const auto a = net::IpAddress::parse(leaseName);
        if (!a || a->toString() != leaseName) continue;  // not ours to judge
        const auto lease = store->readLease(*a);
        if (!lease) continue;
        const std::string owner = keyName(lease->owner);
        bool accounted = false;
        if (kept.count(owner)) {
            auto it = records.find(owner);
            if (it == records.end()) {
                const auto r = store->readRecord(owner);
                it = records.emplace(owner, r ? r->addresses : std::vector<net::IpAddress>{}).first;
            }
            accounted = contains(it->second, *a);
        }
        if (accounted) continue;
        store->removeLease(*a);
        ++released;
        crash::reach("gc.orphan-removed");
    }
    if (store->removePending()) crash::reach("gc.pending-removed");
    if (released) spdlog::info("network {}: GC released {} lease(s)", loc_.network, released);
    return released;
}

std::vector<net::IpAddress> LeaseStore::leasesOf(const AttachmentKey& who) {
    std::vector<net::IpAddress> out;
    if (!isStorable(who)) return out;
    auto store = LockedStore::open(loc_, false);
    if (!store) return out;
    const auto record = store->readRecord(keyName(who));
    if (!record) return out;
    for (const auto& a : record->addresses) {
        const auto lease = store->readLease(a);
        if (lease && lease->owner == who) out.push_back(a);
    }
    return out;
}

std::vector<Lease> LeaseStore::list() {
    std::vector<Lease> out;
    auto store = LockedStore::open(loc_, false);
    if (!store) return out;
    for (const auto& name : store->listLeases()) {
        const auto a = net::IpAddress::parse(name);
        if (!a) continue;
        if (auto lease = store->readLease(*a)) out.push_back(Lease{*a, std::move(lease->owner), lease->takenAt});
    }
    return out;
}

}  // namespace ibvf::ipam
