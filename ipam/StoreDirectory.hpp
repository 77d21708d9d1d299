#pragma once
// The on-disk side of LeaseStore (whose header explains the layout and why): one network's
// directory, locked, with one method per record operation, each a single system call.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipam/LeaseStore.hpp"
#include "linux/Fd.hpp"
#include "linux/FileLock.hpp"

namespace ibvf::ipam {

// An attachment's record: the content of attachments/<cid>:<ifname>, which each of its leases
// shares by being a hard link to it.
struct Record {
    AttachmentKey owner;  // empty when the text does not parse: matches no attachment
    std::int64_t takenAt = 0;
    std::vector<net::IpAddress> addresses;
};

// "<cid> <ifname> <unix time> <address>..."
std::string recordText(const AttachmentKey& owner, std::int64_t takenAt, const std::vector<net::IpAddress>& addrs);
Record parseRecord(std::string_view text);

// "<cid>:<ifname>", the record's name. ':' is in neither a valid container ID nor an ifname.
std::string recordName(const AttachmentKey& k);

// Whether a key can name a record: one directory entry, and text that splits back.
bool isStorable(const AttachmentKey& k);
inline constexpr std::size_t kMaxContainerId = 200;  // leaves room for ':' and a 15-byte ifname

class StoreDirectory {
public:
    // Takes the lock (cni::Error(TryAgainLater) on timeout). With `create`, makes the directories
    // as needed; without, returns nullopt when the store was never created (nothing to read).
    static std::optional<StoreDirectory> open(const StoreLocation& loc, bool create);

    std::optional<Record> readRecord(const std::string& name) const;
    // Only after reading that it does not exist: fails if it does.
    void createRecord(const std::string& name, const std::string& text);
    // Via .pending and rename(2); a .pending left by a killed predecessor is replaced.
    void replaceRecord(const std::string& name, const std::string& text);
    bool removeRecord(const std::string& name);
    bool removePending();

    std::optional<Record> readLease(const net::IpAddress& a) const;
    bool hasLease(const net::IpAddress& a) const;
    // Claims `a` by linking the record `recordName` to leases/<a>; false when `a` is taken.
    bool linkLease(const net::IpAddress& a, const std::string& recordName);
    bool removeLease(const net::IpAddress& a);

    // The round-robin hint of range set `set` (nullopt when unset or unreadable).
    std::optional<net::IpAddress> readCursor(std::size_t set);
    void writeCursor(std::size_t set, const net::IpAddress& a);

    std::vector<std::string> listRecords() const;
    std::vector<std::string> listLeases() const;

    std::filesystem::path leasePath(const net::IpAddress& a) const;

private:
    StoreDirectory(linux::FileLock lock, std::filesystem::path root, linux::Fd dir)
        : lock_(std::move(lock)), root_(std::move(root)), dir_(std::move(dir)) {}

    std::filesystem::path path(const char* sub, const std::string& name) const { return root_ / sub / name; }
    linux::Fd openSubdir(const char* sub, bool create);
    bool openCursors(bool create);
    std::optional<std::string> readLink(const linux::Fd& dir, const char* sub, const std::string& name) const;
    bool removeLink(const linux::Fd& dir, const char* sub, const std::string& name);
    std::vector<std::string> listDir(const linux::Fd& dir, const char* sub) const;

    linux::FileLock lock_;
    std::filesystem::path root_;
    linux::Fd dir_;
    linux::Fd leases_;       // empty when absent and not created
    linux::Fd attachments_;  // likewise
    linux::Fd cursors_;      // opened on first use
};

}  // namespace ibvf::ipam
