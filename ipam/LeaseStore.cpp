#include "ipam/LeaseStore.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "ipam/Allocator.hpp"
#include "ipam/FaultPoints.hpp"
#include "ipam/StoreDirectory.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;

std::string addressListText(const std::vector<net::IpAddress>& addrs) {
    std::string s;
    for (const auto& a : addrs) {
        if (!s.empty()) s += ' ';
        s += a.toString();
    }
    return s;
}

bool contains(const std::vector<net::IpAddress>& v, const net::IpAddress& a) { return std::find(v.begin(), v.end(), a) != v.end(); }

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

[[noreturn]] void ipamFailure(const StoreLocation& loc, const std::string& what) {
    throw Error(ErrorCode::IpamFailure, "network " + loc.network + ": " + what);
}

}  // namespace

std::vector<net::IpAddress> LeaseStore::allocate(const AttachmentKey& who, const std::vector<RangeSet>& sets, const Exclusions& exclusions,
                                                 const std::vector<std::optional<net::IpAddress>>& requested) {
    if (!isStorable(who)) {
        throw Error(ErrorCode::InvalidEnvironment, "container ID '" + who.containerId + "' / interface '" + who.ifname +
                                                       "' cannot key a lease (container IDs up to " + std::to_string(kMaxContainerId) +
                                                       " bytes)");
    }
    auto store = StoreDirectory::open(loc_, true);
    faults::reach("ipam.add.locked");
    const std::string name = recordName(who);
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
        const auto keep =
            std::find_if(held.begin(), held.end(), [&](const net::IpAddress& a) { return !whyUnassignable(set, exclusions, a); });
        if (keep != held.end()) {
            chosen.push_back(*keep);
            continue;
        }
        const auto next = nextFree(set, exclusions, store->readCursor(i), [&](const net::IpAddress& a) { return store->hasLease(a); });
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
    faults::reach("ipam.add.index-written");
    for (const auto& a : toLink) {
        // Chosen free under the lock: an existing name means something writes without the lock.
        if (!store->linkLease(a, name)) {
            throw linux::KernelError(EEXIST, "lease " + store->leasePath(a).string() + " appeared while the store was locked");
        }
        faults::reach("ipam.add.lease-created");
    }
    for (const auto& [set, a] : cursorMoves) {
        store->writeCursor(set, a);
        faults::reach("ipam.add.cursor-written");
    }
    if (record) {
        for (const auto& a : held) {
            if (contains(chosen, a)) continue;
            store->removeLease(a);
            faults::reach("ipam.add.stale-lease-removed");
        }
        if (listed != chosen) {
            store->replaceRecord(name, recordText(who, now, chosen));
            faults::reach("ipam.add.index-final");
        }
    }
    spdlog::debug("network {}: {} {} -> {}", loc_.network, who.containerId, who.ifname, addressListText(chosen));
    return chosen;
}

std::size_t LeaseStore::release(const AttachmentKey& who) {
    if (!isStorable(who)) return 0;  // nothing could have been stored under it
    auto store = StoreDirectory::open(loc_, false);
    if (!store) return 0;
    const std::string name = recordName(who);
    const auto record = store->readRecord(name);
    if (!record) return 0;
    std::size_t released = 0;
    for (const auto& a : record->addresses) {
        const auto lease = store->readLease(a);
        if (!lease || !(lease->owner == who)) continue;  // never taken, or re-taken by another (I3)
        store->removeLease(a);
        ++released;
        faults::reach("ipam.del.lease-removed");
    }
    store->removeRecord(name);
    faults::reach("ipam.del.index-removed");
    spdlog::debug("network {}: released {} lease(s) of {} {}", loc_.network, released, who.containerId, who.ifname);
    return released;
}

std::size_t LeaseStore::releaseAllExcept(const std::vector<AttachmentKey>& keep) {
    auto store = StoreDirectory::open(loc_, false);
    if (!store) return 0;
    std::unordered_set<std::string> kept;
    for (const auto& k : keep) kept.insert(recordName(k));

    std::size_t released = 0;
    for (const auto& name : store->listRecords()) {
        if (kept.count(name)) continue;
        const auto record = store->readRecord(name);
        for (const auto& a : record ? record->addresses : std::vector<net::IpAddress>{}) {
            const auto lease = store->readLease(a);
            if (!lease || recordName(lease->owner) != name) continue;
            store->removeLease(a);
            ++released;
            faults::reach("ipam.gc.lease-removed");
        }
        store->removeRecord(name);
        faults::reach("ipam.gc.index-removed");
    }

    // Leases no kept record accounts for: only tampering or an older layout leaves these, but GC
    // is where a store heals whatever happened to it.
    std::unordered_map<std::string, std::vector<net::IpAddress>> records;
    for (const auto& leaseName : store->listLeases()) {
        const auto a = net::IpAddress::parse(leaseName);
        if (!a || a->toString() != leaseName) continue;  // not ours to judge
        const auto lease = store->readLease(*a);
        if (!lease) continue;
        const std::string owner = recordName(lease->owner);
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
        faults::reach("ipam.gc.orphan-removed");
    }
    if (store->removePending()) faults::reach("ipam.gc.pending-removed");
    if (released) spdlog::info("network {}: GC released {} lease(s)", loc_.network, released);
    return released;
}

std::vector<net::IpAddress> LeaseStore::leasesOf(const AttachmentKey& who) {
    std::vector<net::IpAddress> out;
    if (!isStorable(who)) return out;
    auto store = StoreDirectory::open(loc_, false);
    if (!store) return out;
    const auto record = store->readRecord(recordName(who));
    if (!record) return out;
    for (const auto& a : record->addresses) {
        const auto lease = store->readLease(a);
        if (lease && lease->owner == who) out.push_back(a);
    }
    return out;
}

std::vector<Lease> LeaseStore::list() {
    std::vector<Lease> out;
    auto store = StoreDirectory::open(loc_, false);
    if (!store) return out;
    for (const auto& name : store->listLeases()) {
        const auto a = net::IpAddress::parse(name);
        if (!a) continue;
        if (auto lease = store->readLease(*a)) out.push_back(Lease{*a, std::move(lease->owner), lease->takenAt, {}});
    }
    return out;
}

}  // namespace ibvf::ipam
