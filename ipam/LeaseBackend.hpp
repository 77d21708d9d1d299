#pragma once
// Where a network's leases are kept: the seam between what IpamPlugin asks for (an address per
// range set for an attachment, release, reconcile) and how a store keeps it. Two stores:
//   LeaseStore      node-local files (the default, LeaseStore.hpp): right when every node has
//                   its own ranges
//   EtcdLeaseStore  one etcd cluster for all nodes (EtcdLeaseStore.hpp): for ranges shared by
//                   the nodes, as an IPoIB subnet spanning a partition is
// Both hand out addresses with the policy of Allocator.hpp (ranges, exclusions, requested
// addresses) and throw cni::Error with the CNI code a runtime acts on.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipam/Exclusions.hpp"
#include "ipam/Range.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::ipam {

struct AttachmentKey {
    std::string containerId;
    std::string ifname;
    friend bool operator==(const AttachmentKey&, const AttachmentKey&) = default;
};

struct Lease {
    net::IpAddress address;
    AttachmentKey owner;
    std::int64_t takenAt = 0;  // unix seconds
    std::string node;          // the holder's node; empty in the node-local store
};

class LeaseBackend {
public:
    virtual ~LeaseBackend() = default;

    // ADD: one address per range set, in order. requested[i], when set, is the address wanted in
    // set i. An attachment that already holds leases keeps those that still fit (same address if
    // requested, else any assignable one in the set). Throws cni::Error(IpamFailure) naming the
    // network and range set on exhaustion or when a requested address is taken or unassignable,
    // cni::Error(TryAgainLater) when the store cannot be had now (lock timeout, etcd
    // unreachable), with nothing claimed.
    virtual std::vector<net::IpAddress> allocate(const AttachmentKey& who, const std::vector<RangeSet>& sets, const Exclusions& exclusions,
                                                 const std::vector<std::optional<net::IpAddress>>& requested) = 0;

    // DEL: releases every lease of `who` on this node; returns how many. Nothing to release is not
    // an error.
    virtual std::size_t release(const AttachmentKey& who) = 0;

    // GC: releases every lease of this node whose owner is not in `keep`; returns how many. Never
    // touches another node's leases.
    virtual std::size_t releaseAllExcept(const std::vector<AttachmentKey>& keep) = 0;

    // CHECK: the addresses `who` holds (verified on the leases).
    virtual std::vector<net::IpAddress> leasesOf(const AttachmentKey& who) = 0;

    // Every lease this node holds, in no particular order (GC reports, diagnostics, tests).
    virtual std::vector<Lease> list() = 0;

    // STATUS: throws cni::Error(PluginNotAvailable) when the store cannot serve an ADD now.
    virtual void checkAvailable() {}
};

}  // namespace ibvf::ipam
