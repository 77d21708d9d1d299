#pragma once
// The keys and values EtcdLeaseStore keeps in etcd for one network (why this layout: see
// EtcdLeaseStore.hpp). With P = <prefix>/<network>:
//   P/ipv4/<addr>  P/ipv6/<addr>               the lease of one address, claimed by creating it;
//                                              value {"address","node","containerID","ifname","takenAt"}
//   P/nodes/<node>/<cid>/<ifname>/<addr>       the holder's index entry, written and deleted in the
//                                              same transaction as the lease; value: the address
// <addr> is written so that byte order is numeric order: IPv4 as four zero-padded decimal
// octets ("010.033.000.002"), IPv6 as eight zero-padded hex groups ("fd00:0000:...:0001"). A
// range of addresses is then a range of keys, which one etcd range request reads.
// A lease and its index entry are created in one txn, so they share a create_revision: that
// number is what proves an index entry's lease is still the one it wrote.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ipam/LeaseBackend.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::ipam {

std::string sortableAddress(const net::IpAddress& a);
std::optional<net::IpAddress> parseSortableAddress(std::string_view text);

// What a lease key's value says.
struct LeaseOwner {
    std::string node;
    AttachmentKey who;
    std::int64_t takenAt = 0;
    friend bool operator==(const LeaseOwner& a, const LeaseOwner& b) { return a.node == b.node && a.who == b.who; }
};

class EtcdLayout {
public:
    // `prefix` without a trailing '/'; network and node names free of '/'.
    EtcdLayout(std::string prefix, std::string network, std::string node);

    const std::string& node() const { return node_; }

    std::string networkPrefix() const { return base_ + "/"; }
    std::string leaseKey(const net::IpAddress& a) const;
    // The lease keys of [from, to] (one family): a range request's key and range_end.
    std::string leaseRangeEnd(const net::IpAddress& to) const;  // the key after leaseKey(to)
    std::optional<net::IpAddress> addressOfLeaseKey(std::string_view key) const;

    std::string nodePrefix() const { return base_ + "/nodes/" + node_ + "/"; }
    std::string attachmentPrefix(const AttachmentKey& who) const;
    std::string indexKey(const AttachmentKey& who, const net::IpAddress& a) const;
    struct IndexEntry {
        AttachmentKey who;
        net::IpAddress address;
    };
    // An index key of this node back into its parts; nullopt for anything else.
    std::optional<IndexEntry> parseIndexKey(std::string_view key) const;

    std::string leaseValue(const AttachmentKey& who, const net::IpAddress& a, std::int64_t takenAt) const;
    static std::optional<LeaseOwner> parseLeaseValue(std::string_view value);

private:
    std::string base_;  // <prefix>/<network>
    std::string node_;
};

}  // namespace ibvf::ipam
