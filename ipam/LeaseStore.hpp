#pragma once
// The lease store of one network: which address belongs to which (container ID, ifname).
//
// Layout of <dataDir>/<network>/:
//   lock                        flock(2) taken, with a timeout, around every operation
//   attachments/<cid>:<ifname>  the attachment's record: a symbolic link (never followed; its
//                               target text is the content) "<cid> <ifname> <unix time> <addr>..."
//   leases/<address>            a hard link to the record of the attachment holding the address
//   cursors                     64-byte slot per range set: last address handed out round robin
//   .pending                    a replacement record being written, then renamed over the old one
//
// Why these system calls: symlink(2) creates a name with its whole content in one call, and
// link(2) and rename(2) are atomic, so no record is ever half-written or rewritten in place, with
// no temporary file to write, fsync and clean up. link(2) of the record is also the exclusive,
// all-or-nothing claim of an address (EEXIST when taken), and it allocates no inode: creating an
// inode costs far more than a link (docs/performance.md), so an ADD
// creates exactly one inode (the record) whatever the number of addresses, and a DEL none. No
// fsync: a kill -9 cannot lose what the page cache holds, and on power loss these are metadata
// operations that the ext4/xfs journal commits in order, so what survives is a prefix of the
// steps below, each of which leaves a consistent store. The cursor slot is the one thing written
// in place (a 64-byte pwrite inside one page); it is only a hint: a torn or stale value makes
// the walk start elsewhere, never hands out a taken address.
//
// Why a record per attachment plus a name per address, and not host-local's one file per
// address alone or a single table file: ADD probes candidates by name from the cursor (one stat
// each; round robin makes that one or two probes even with 60,000 leases) and DEL reads one
// record. Neither scans a directory nor rewrites anything that grows with the number of leases
// (host-local reads every lease file on each ADD and DEL to find the container's). A table of
// fixed records addressed by offset would be as quick for ADD but needs a second structure for
// DEL by (container ID, ifname), and rewrites records in place. Only GC lists the directories.
//
// Invariants, kept by the order of the steps (each step is one atomic system call):
//   I1  an address has at most one lease (one name per address, claimed exclusively)
//   I2  every lease's address is listed in its owner's current record (the record is written
//       first and removed last), so DEL finds every lease of an attachment from its record
//   I3  a record may list addresses that are not (or no longer) the attachment's: readers check
//       the owner written in the lease itself before using or removing it
// ADD     lock; choose every address (read-only: exhaustion or a taken requested address fails
//         here with nothing changed); write the record (a re-ADD writes old + new addresses);
//         link the leases; move the cursors; a re-ADD then unlinks the leases it no longer needs
//         and writes the final record.
// DEL     lock; unlink the leases the record lists that are the attachment's; unlink the record.
// GC      as DEL for every record not in the keep list; then unlink any lease no kept record
//         accounts for; then a leftover .pending.
// A crash at any fault point leaves a state where I1-I3 hold. DEL and GC then finish the job; a
// repeated ADD of the same attachment reuses the leases it holds, links the ones whose record
// entry was written but whose lease was not, and never hands out an address that has a lease.
// A leftover .pending is removed before the name is used again. Everything is read and written
// under the lock. FaultPoints.hpp names each point; tests kill a child at each one and check all
// of this.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipam/Exclusions.hpp"
#include "ipam/LeaseBackend.hpp"
#include "ipam/Range.hpp"
#include "ipam/StoreLocation.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::ipam {

class LeaseStore final : public LeaseBackend {
public:
    explicit LeaseStore(StoreLocation location) : loc_(std::move(location)) {}
    const StoreLocation& location() const { return loc_; }

    // ADD: one address per range set, in order. requested[i], when set, is the address wanted in
    // set i. An attachment that already holds leases keeps those that still fit (same address if
    // requested, else any assignable one in the set). Throws cni::Error(IpamFailure) naming the
    // network and range set on exhaustion or when a requested address is taken or unassignable,
    // cni::Error(TryAgainLater) when the lock is not had within the timeout, with nothing changed.
    std::vector<net::IpAddress> allocate(const AttachmentKey& who, const std::vector<RangeSet>& sets, const Exclusions& exclusions,
                                         const std::vector<std::optional<net::IpAddress>>& requested) override;

    // DEL: releases every lease of `who`; returns how many. Nothing to release is not an error.
    std::size_t release(const AttachmentKey& who) override;

    // GC: releases every lease whose owner is not in `keep`; returns how many.
    std::size_t releaseAllExcept(const std::vector<AttachmentKey>& keep) override;

    // CHECK: the addresses `who` holds (verified on the leases).
    std::vector<net::IpAddress> leasesOf(const AttachmentKey& who) override;

    // Every lease, in no particular order (tests and diagnostics).
    std::vector<Lease> list() override;

private:
    StoreLocation loc_;
};

}  // namespace ibvf::ipam
