#pragma once
// The cluster-wide lease store: one etcd (v3) for every node, so an IPoIB subnet that spans the
// nodes never has one address on two of them. Key layout in EtcdLayout.hpp.
//
// Correctness rests on one rule: an address is claimed only by a transaction whose compare says
// its lease key does not exist (create_revision == 0). etcd serializes transactions, so of any
// number of concurrent claims of one address, from any node, exactly one succeeds; there is no
// lock to hold or lose. The lease key and the holder's index entry are created and deleted in
// the same transaction, so there is never half a claim, whatever fails when.
//
// Why per-address keys and not per-node blocks of addresses: a block scheme needs one claim for
// the block, a second structure to find an address inside it, and leaves addresses stranded in
// the blocks of busy or dead nodes; with per-address keys a claim is one key, any node can take
// any free address, and nothing needs rebalancing. The cost blocks save (finding a free address
// without reading the pool) is paid instead by random probing (CandidatePicker.hpp).
// Why the index per node: DEL, CHECK and GC read this node's entries by prefix and never scan
// the pool or other nodes' entries, so they do not slow down as the pool or the cluster grows,
// and GC cannot even see another node's leases, let alone free them.
//
// Round trips (one HTTP request each, on one kept-alive connection, plus its connect/handshake):
//   ADD    1 when the first candidate is free (probability 1 - f, f = fill of the range set):
//          the claim transaction also compares the attachment's index (empty: not a re-ADD), and
//          on failure its failure branch returns what the next try needs (the index, the owner
//          of a requested address, a window of 64 taken keys after each missed candidate), so a
//          miss never costs an extra read. Expected 1 + f + (concurrent collisions); a nearly
//          full set adds one read of that set after 3 misses; at most 12 claims, then code 11.
//          Independent of the number of nodes and, up to that read, of the pool's size.
//   DEL    2: read the attachment's index entries; one transaction deletes each lease whose
//          create_revision is still the entry's (never one re-taken by someone else) and the
//          entries. Repeating it is harmless, so it is retried on another member.
//   GC     1 read of this node's entries, then one transaction per 50 stale attachments' leases.
//   CHECK  2 (index, then the leases); STATUS 1.
//
// When etcd is unreachable or answers "not now" (no leader, timeout): code 11 (try again later)
// for ADD, DEL, CHECK and GC, code 50 for STATUS. A claim whose reply was lost may have been
// applied; the next try reads the attachment's index in its failure branch and keeps what it
// finds, and an ADD that gives up deletes the claims it may have made (compare: value still the
// one it wrote). If etcd is down for that too, the claim is whole (lease + index entry) and the
// runtime's DEL after the failed ADD, or GC, releases it.
#include <memory>
#include <random>

#include "ipam/BackendConfig.hpp"
#include "ipam/EtcdConfig.hpp"
#include "ipam/LeaseBackend.hpp"
#include "ipam/etcd/EtcdLayout.hpp"

namespace ibvf::etcd {
class EtcdClient;
}  // namespace ibvf::etcd

namespace ibvf::ipam {

// For registerEtcdStore (BackendConfig.hpp).
std::unique_ptr<LeaseBackend> openEtcdStore(const EtcdBackendConfig& config);

class EtcdLeaseStore final : public LeaseBackend {
public:
    explicit EtcdLeaseStore(EtcdBackendConfig config);
    ~EtcdLeaseStore() override;
    EtcdLeaseStore(const EtcdLeaseStore&) = delete;
    EtcdLeaseStore& operator=(const EtcdLeaseStore&) = delete;

    std::vector<net::IpAddress> allocate(const AttachmentKey& who, const std::vector<RangeSet>& sets, const Exclusions& exclusions,
                                         const std::vector<std::optional<net::IpAddress>>& requested) override;
    std::size_t release(const AttachmentKey& who) override;
    std::size_t releaseAllExcept(const std::vector<AttachmentKey>& keep) override;
    std::vector<net::IpAddress> leasesOf(const AttachmentKey& who) override;
    std::vector<Lease> list() override;
    void checkAvailable() override;

    // Claims taken at most per ADD before it gives up with code 11.
    static constexpr int kMaxClaims = 12;

private:
    struct Entry {  // one index entry of this node, as read
        AttachmentKey who;
        net::IpAddress address;
        std::int64_t revision = 0;  // its create_revision, shared with the lease it was written with
    };
    struct Claim;
    struct MaybeClaimed {  // a claim whose reply was lost
        net::IpAddress address;
        std::string value;
    };

    std::vector<net::IpAddress> claim(const AttachmentKey& who, const std::vector<RangeSet>& sets, const Exclusions& exclusions,
                                      const std::vector<std::optional<net::IpAddress>>& requested, std::vector<MaybeClaimed>& uncertain);
    void scan(std::size_t set, const RangeSet& ranges, class CandidatePicker& picker);
    void undo(const AttachmentKey& who, const std::vector<MaybeClaimed>& uncertain);
    std::vector<Entry> readEntries(const std::string& prefix);
    // The entries whose lease is still theirs, as leases.
    std::vector<Lease> leasesFrom(const std::vector<Entry>& entries);
    std::size_t releaseEntries(const std::vector<Entry>& entries);
    // Runs `body` with a fresh deadline, turning etcd's failures into the cni::Error of `command`.
    template <class F>
    auto guarded(const char* command, F&& body) -> decltype(body());

    EtcdBackendConfig cfg_;
    EtcdLayout layout_;
    std::unique_ptr<etcd::EtcdClient> client_;
    std::mt19937_64 rng_;
};

}  // namespace ibvf::ipam
