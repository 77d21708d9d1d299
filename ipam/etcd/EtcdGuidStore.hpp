#pragma once
// Cluster-wide GUID leases in the IPAM's etcd, for "guidSource": "etcd": a VF's GUID is taken from
// the network's guidRange and is never on two VFs at once, on any node, in any network that
// shares the etcd prefix (a port GUID must be unique on the whole subnet, not per network).
//
// Keys, with G = <backend prefix>/_guid (network names start with a letter or digit, so G is
// never some network's own keys):
//   G/leases/<16 hex digits>                     the lease, claimed by creating it; value
//                                                {"guid","node","network","containerID","ifname","takenAt"}
//   G/nodes/<node>/<network>/<cid>/<ifname>      the holder's index entry; value: the GUID
// As for addresses (EtcdLeaseStore.hpp), the lease and its entry are created and deleted in one
// transaction whose compare says neither exists yet, so they share a create_revision, there is
// never half a claim, and of concurrent claims of one GUID exactly one succeeds.
//
// ADD reads the attachment's entry (a repeated ADD keeps its GUID), then the taken GUIDs of the
// range (keys only: the cost grows with the leases, not with the range), and claims a free one
// from a random start, at most kMaxClaims times. DEL and GC delete entry and lease together,
// compared on the entry's create_revision. etcd unreachable: code 11 for every command.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ipam/EtcdConfig.hpp"
#include "ipam/LeaseBackend.hpp"
#include "linux/Guid.hpp"

namespace ibvf::etcd {
class EtcdClient;
}  // namespace ibvf::etcd

namespace ibvf::ipam {

class EtcdGuidStore {
public:
    explicit EtcdGuidStore(EtcdBackendConfig config);
    ~EtcdGuidStore();
    EtcdGuidStore(const EtcdGuidStore&) = delete;
    EtcdGuidStore& operator=(const EtcdGuidStore&) = delete;

    // The attachment's GUID: the one it holds already, else a free one of `range`.
    // cni::Error: TryAgainLater when etcd is unreachable or the claims kept colliding,
    // IpamFailure when every GUID of the range is taken.
    linux::Guid allocate(const AttachmentKey& who, const linux::GuidRange& range);
    // Releases the attachment's GUID; 0 when it held none.
    std::size_t release(const AttachmentKey& who);
    // GC: releases every GUID this node holds in this network for attachments not in `keep`.
    std::size_t releaseAllExcept(const std::vector<AttachmentKey>& keep);
    // cni::Error(PluginNotAvailable) when etcd does not answer.
    void checkAvailable();

    static constexpr int kMaxClaims = 12;

    // Key helpers, public for tests that read etcd directly.
    static std::string leaseKey(const std::string& prefix, linux::Guid guid);
    static std::string nodePrefix(const std::string& prefix, const std::string& node, const std::string& network);

private:
    struct Entry {
        AttachmentKey who;
        linux::Guid guid;
        std::int64_t revision = 0;
    };
    std::vector<Entry> readEntries(const std::string& prefix);
    std::size_t releaseEntries(const std::vector<Entry>& entries);
    std::string indexKey(const AttachmentKey& who) const;
    std::string leaseValue(const AttachmentKey& who, linux::Guid guid) const;
    template <class F>
    auto guarded(const char* command, F&& body) -> decltype(body());

    EtcdBackendConfig cfg_;
    std::unique_ptr<etcd::EtcdClient> client_;
    std::mt19937_64 rng_;
};

}  // namespace ibvf::ipam
