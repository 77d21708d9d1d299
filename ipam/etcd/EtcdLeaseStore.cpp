#include "ipam/etcd/EtcdLeaseStore.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>

#include <spdlog/spdlog.h>

#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "etcd/EtcdClient.hpp"
#include "ipam/Allocator.hpp"
#include "ipam/etcd/CandidatePicker.hpp"
#include "ipam/etcd/EtcdSession.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;
using etcd::Compare;
using etcd::DeleteRangeRequest;
using etcd::PutRequest;
using etcd::RangeRequest;
using etcd::TxnRequest;

constexpr std::int64_t kWindowKeys = 64;
// Each released entry is two operations; etcd accepts 128 per transaction level by default.
constexpr std::size_t kEntriesPerTxn = 50;
constexpr std::size_t kReadsPerTxn = 100;
// An ADD that gives up still tries this long to take back claims whose replies it lost.
constexpr std::chrono::milliseconds kUndoBudget{2000};

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool keyable(const AttachmentKey& who) { return cni::isValidContainerId(who.containerId) && cni::isValidInterfaceName(who.ifname); }

// "every key under [key, end) has create_revision 0", i.e. there is none.
Compare noKeyIn(std::string key, std::string end) {
    Compare c = Compare::created(std::move(key), 0);
    c.rangeEnd = std::move(end);
    return c;
}

}  // namespace

// One range set's address in a claim attempt.
struct EtcdLeaseStore::Claim {
    net::IpAddress address;
    bool fresh = true;              // to be created; else one the attachment holds already
    std::int64_t heldRevision = 0;  // !fresh: its index entry's create_revision
    std::string value;              // fresh: the lease value written
};

std::unique_ptr<LeaseBackend> openEtcdStore(const EtcdBackendConfig& config) { return std::make_unique<EtcdLeaseStore>(config); }

EtcdLeaseStore::EtcdLeaseStore(EtcdBackendConfig config)
    : cfg_(std::move(config)), layout_(cfg_.prefix, cfg_.network, cfg_.nodeName), client_(connectEtcd(cfg_)), rng_(randomSeed()) {}

EtcdLeaseStore::~EtcdLeaseStore() = default;

template <class F>
auto EtcdLeaseStore::guarded(const char* command, F&& body) -> decltype(body()) {
    return guardEtcd(*client_, cfg_, "network " + cfg_.network + ": " + command + ": ", std::forward<F>(body));
}

// ---- ADD -----------------------------------------------------------------------------------

std::vector<net::IpAddress> EtcdLeaseStore::allocate(const AttachmentKey& who, const std::vector<RangeSet>& sets,
                                                     const Exclusions& exclusions,
                                                     const std::vector<std::optional<net::IpAddress>>& requested) {
    if (!keyable(who)) {
        throw Error(ErrorCode::InvalidEnvironment,
                    "container ID '" + who.containerId + "' / interface '" + who.ifname + "' cannot key a lease");
    }
    for (std::size_t i = 0; i < requested.size() && i < sets.size(); ++i) {
        if (!requested[i]) continue;
        if (const auto why = whyUnassignable(sets[i], exclusions, *requested[i])) {
            throw Error(ErrorCode::IpamFailure, "network " + cfg_.network + ": requested address " + *why);
        }
    }
    std::vector<MaybeClaimed> uncertain;
    try {
        return guarded("ADD", [&] { return claim(who, sets, exclusions, requested, uncertain); });
    } catch (const Error&) {
        undo(who, uncertain);
        throw;
    }
}

std::vector<net::IpAddress> EtcdLeaseStore::claim(const AttachmentKey& who, const std::vector<RangeSet>& sets, const Exclusions& exclusions,
                                                  const std::vector<std::optional<net::IpAddress>>& requested,
                                                  std::vector<MaybeClaimed>& uncertain) {
    const std::string attPrefix = layout_.attachmentPrefix(who);
    const std::string attEnd = etcd::prefixEnd(attPrefix);
    const auto wanted = [&](std::size_t i) { return i < requested.size() ? requested[i] : std::nullopt; };
    std::vector<CandidatePicker> pickers;
    pickers.reserve(sets.size());
    for (const auto& set : sets) pickers.emplace_back(set, exclusions, rng_());

    std::optional<std::int64_t> indexRead;  // revision of the last read of the attachment's index
    std::vector<Entry> held;                // its entries then
    // (address, revision) of entries whose lease turned out to be someone else's: a stale entry.
    std::set<std::pair<net::IpAddress, std::int64_t>> foreign;
    std::string lastMiss = "no reply";

    for (int attempt = 0; attempt < kMaxClaims; ++attempt) {
        // 1. One address per set: a held one that fits, the requested one, or a candidate.
        std::vector<Claim> plan(sets.size());
        std::vector<bool> used(held.size(), false);
        for (const auto& e : held) {
            for (auto& p : pickers) p.avoid(e.address);
        }
        for (std::size_t i = 0; i < sets.size(); ++i) {
            const auto want = wanted(i);
            std::optional<std::size_t> keep;
            for (std::size_t h = 0; h < held.size() && !keep; ++h) {
                if (used[h] || foreign.count({held[h].address, held[h].revision})) continue;
                const bool fits = want ? held[h].address == *want : !whyUnassignable(sets[i], exclusions, held[h].address);
                if (fits) keep = h;
            }
            if (keep) {
                used[*keep] = true;
                plan[i] = Claim{held[*keep].address, false, held[*keep].revision, {}};
                continue;
            }
            if (want) {
                plan[i] = Claim{*want, true, 0, {}};
                continue;
            }
            CandidatePicker& picker = pickers[i];
            if (picker.wantsScan()) scan(i, sets[i], picker);
            auto next = picker.next();
            if (!next && !picker.freshScan()) {
                scan(i, sets[i], picker);
                next = picker.next();
            }
            if (!next) {
                throw Error(ErrorCode::IpamFailure, "network " + cfg_.network + ": no free address left in range set " + std::to_string(i) +
                                                        " (" + describeSet(sets[i]) + ")");
            }
            plan[i] = Claim{*next, true, 0, {}};
        }

        // 2. The claim: all of it or nothing. Its failure branch reads what the next try needs.
        TxnRequest txn;
        txn.compare.push_back(indexRead ? Compare::unchangedSince(attPrefix, attEnd, *indexRead) : noKeyIn(attPrefix, attEnd));
        txn.failure.push_back({RangeRequest{attPrefix, attEnd, 0, false, false}});
        const std::int64_t now = nowSeconds();
        for (std::size_t i = 0; i < plan.size(); ++i) {
            Claim& c = plan[i];
            const std::string leaseKey = layout_.leaseKey(c.address);
            if (!c.fresh) {
                txn.compare.push_back(Compare::created(leaseKey, c.heldRevision));
                txn.failure.push_back({RangeRequest{leaseKey, {}, 0, false, false}});
                continue;
            }
            c.value = layout_.leaseValue(who, c.address, now);
            txn.compare.push_back(Compare::created(leaseKey, 0));
            txn.success.push_back({PutRequest{leaseKey, c.value}});
            txn.success.push_back({PutRequest{layout_.indexKey(who, c.address), c.address.toString()}});
            if (wanted(i)) {
                txn.failure.push_back({RangeRequest{leaseKey, {}, 0, false, false}});  // who has it
            } else {
                const Range& r = sets[i][*rangeIndexFor(sets[i], c.address)];
                txn.failure.push_back({RangeRequest{leaseKey, layout_.leaseRangeEnd(r.end), kWindowKeys, true, false}});
            }
        }
        // Entries a re-ADD no longer needs (or whose lease is not theirs) go in the same step.
        for (std::size_t h = 0; h < held.size(); ++h) {
            if (used[h]) continue;
            TxnRequest dropLease;
            dropLease.compare.push_back(Compare::created(layout_.leaseKey(held[h].address), held[h].revision));
            dropLease.success.push_back({DeleteRangeRequest{layout_.leaseKey(held[h].address), {}}});
            txn.success.push_back({std::move(dropLease)});
            txn.success.push_back({DeleteRangeRequest{layout_.indexKey(who, held[h].address), {}}});
        }

        etcd::TxnResponse reply;
        try {
            reply = client_->txn(txn);
        } catch (const etcd::EtcdUnavailable& e) {
            if (!e.maybeApplied()) throw;
            // Lost reply: the next try's compare on the index tells whether this one applied.
            for (const Claim& c : plan) {
                if (c.fresh) uncertain.push_back({c.address, c.value});
            }
            lastMiss = e.what();
            spdlog::debug("network {}: claim attempt {} lost its reply: {}", cfg_.network, attempt + 1, e.what());
            continue;
        }
        if (reply.succeeded) {
            std::vector<net::IpAddress> out;
            out.reserve(plan.size());
            for (const Claim& c : plan) out.push_back(c.address);
            spdlog::debug("network {}: claimed in {} attempt(s) at revision {}", cfg_.network, attempt + 1, reply.revision);
            return out;
        }

        // 3. Learn from the failure branch.
        indexRead = reply.revision;
        held.clear();
        for (const auto& kv : reply.rangeAt(0).kvs) {
            const auto e = layout_.parseIndexKey(kv.key);
            if (e && e->who == who) held.push_back(Entry{e->who, e->address, kv.createRevision});
        }
        const auto holds = [&](const net::IpAddress& a) {
            return std::any_of(held.begin(), held.end(), [&](const Entry& e) {
                return e.address == a && !foreign.count({e.address, e.revision});
            });
        };
        for (std::size_t i = 0; i < plan.size(); ++i) {
            const Claim& c = plan[i];
            const auto& read = reply.rangeAt(1 + i);
            if (!c.fresh) {
                if (read.kvs.empty() || read.kvs.front().createRevision != c.heldRevision) {
                    foreign.insert({c.address, c.heldRevision});  // its lease went, or went to another
                }
                continue;
            }
            if (wanted(i)) {
                if (read.kvs.empty() || holds(c.address)) continue;  // free now, or ours after a lost reply
                const auto owner = EtcdLayout::parseLeaseValue(read.kvs.front().value);
                throw Error(
                    ErrorCode::IpamFailure,
                    "network " + cfg_.network + ": requested address " + c.address.toString() + " is already leased to " +
                        (owner ? "container " + owner->who.containerId + " interface " + owner->who.ifname + " on node " + owner->node
                               : "another holder (unreadable lease " + layout_.leaseKey(c.address) + ")"));
            }
            std::vector<net::IpAddress> taken;
            for (const auto& kv : read.kvs) {
                if (const auto a = layout_.addressOfLeaseKey(kv.key)) taken.push_back(*a);
            }
            if (std::find(taken.begin(), taken.end(), c.address) == taken.end()) continue;  // it was free
            const Range& r = sets[i][*rangeIndexFor(sets[i], c.address)];
            pickers[i].missed(c.address, read.more ? taken.back() : r.end, taken);
            lastMiss = c.address.toString() + " was taken";
        }
        spdlog::debug("network {}: claim attempt {} failed ({}), retrying", cfg_.network, attempt + 1, lastMiss);
    }
    throw Error(ErrorCode::TryAgainLater, "network " + cfg_.network + ": ADD: no address could be claimed in " +
                                              std::to_string(kMaxClaims) + " transactions (last: " + lastMiss +
                                              "), too much contention; try again later");
}

void EtcdLeaseStore::scan(std::size_t set, const RangeSet& ranges, CandidatePicker& picker) {
    TxnRequest read;  // one transaction: every range of the set at one revision
    for (const Range& r : ranges) {
        read.success.push_back({RangeRequest{layout_.leaseKey(r.start), layout_.leaseRangeEnd(r.end), 0, true, false}});
    }
    const auto reply = client_->txn(read);
    std::vector<net::IpAddress> taken;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        for (const auto& kv : reply.rangeAt(i).kvs) {
            if (const auto a = layout_.addressOfLeaseKey(kv.key)) taken.push_back(*a);
        }
    }
    spdlog::debug("network {}: read range set {} whole: {} leases", cfg_.network, set, taken.size());
    picker.scanned(taken);
}

void EtcdLeaseStore::undo(const AttachmentKey& who, const std::vector<MaybeClaimed>& uncertain) {
    if (uncertain.empty()) return;
    client_->setDeadline(etcd::Deadline(std::min(cfg_.timeout, kUndoBudget)));
    TxnRequest txn;
    for (const auto& m : uncertain) {
        // Only what this ADD wrote: the value is byte for byte the one it sent.
        TxnRequest one;
        one.compare.push_back(Compare::valueIs(layout_.leaseKey(m.address), m.value));
        one.success.push_back({DeleteRangeRequest{layout_.leaseKey(m.address), {}}});
        one.success.push_back({DeleteRangeRequest{layout_.indexKey(who, m.address), {}}});
        txn.success.push_back({std::move(one)});
    }
    try {
        client_->txn(txn, true);
        spdlog::info("network {}: took back {} claim(s) of the failed ADD", cfg_.network, uncertain.size());
    } catch (const std::exception& e) {
        std::string list;
        for (const auto& m : uncertain) list += (list.empty() ? "" : " ") + m.address.toString();
        spdlog::warn("network {}: the failed ADD may hold {} ({}); DEL or GC of {} {} releases it", cfg_.network, list, e.what(),
                     who.containerId, who.ifname);
    }
}

// ---- DEL, GC, CHECK, list ----------------------------------------------------------------

std::vector<EtcdLeaseStore::Entry> EtcdLeaseStore::readEntries(const std::string& prefix) {
    const auto reply = client_->range(RangeRequest{prefix, etcd::prefixEnd(prefix), 0, false, false});
    std::vector<Entry> out;
    out.reserve(reply.kvs.size());
    for (const auto& kv : reply.kvs) {
        if (const auto e = layout_.parseIndexKey(kv.key)) out.push_back(Entry{e->who, e->address, kv.createRevision});
    }
    return out;
}

std::size_t EtcdLeaseStore::releaseEntries(const std::vector<Entry>& entries) {
    std::size_t released = 0;
    for (std::size_t from = 0; from < entries.size(); from += kEntriesPerTxn) {
        const std::size_t to = std::min(entries.size(), from + kEntriesPerTxn);
        TxnRequest txn;
        for (std::size_t i = from; i < to; ++i) {
            const Entry& e = entries[i];
            // Each delete only if the key is still the one the entry was written with: never a
            // lease someone took since, and never a newer entry; so the txn can be repeated.
            for (const std::string& key : {layout_.leaseKey(e.address), layout_.indexKey(e.who, e.address)}) {
                TxnRequest one;
                one.compare.push_back(Compare::created(key, e.revision));
                one.success.push_back({DeleteRangeRequest{key, {}}});
                txn.success.push_back({std::move(one)});
            }
        }
        const auto reply = client_->txn(txn, true);
        for (std::size_t k = 0; k < to - from; ++k) {
            if (reply.txnAt(2 * k).succeeded) ++released;
        }
    }
    return released;
}

std::size_t EtcdLeaseStore::release(const AttachmentKey& who) {
    if (!keyable(who)) return 0;  // nothing can have been stored under it
    return guarded("DEL", [&] { return releaseEntries(readEntries(layout_.attachmentPrefix(who))); });
}

std::size_t EtcdLeaseStore::releaseAllExcept(const std::vector<AttachmentKey>& keep) {
    return guarded("GC", [&] {
        std::vector<Entry> stale;
        for (auto& e : readEntries(layout_.nodePrefix())) {
            if (std::find(keep.begin(), keep.end(), e.who) == keep.end()) stale.push_back(std::move(e));
        }
        const std::size_t released = releaseEntries(stale);
        if (released) spdlog::info("network {}: GC released {} lease(s) of node {}", cfg_.network, released, cfg_.nodeName);
        return released;
    });
}

std::vector<net::IpAddress> EtcdLeaseStore::leasesOf(const AttachmentKey& who) {
    if (!keyable(who)) return {};
    return guarded("CHECK", [&] {
        std::vector<net::IpAddress> out;
        for (const Lease& l : leasesFrom(readEntries(layout_.attachmentPrefix(who)))) out.push_back(l.address);
        return out;
    });
}

std::vector<Lease> EtcdLeaseStore::list() {
    return guarded("list", [&] { return leasesFrom(readEntries(layout_.nodePrefix())); });
}

std::vector<Lease> EtcdLeaseStore::leasesFrom(const std::vector<Entry>& entries) {
    std::vector<Lease> out;
    for (std::size_t from = 0; from < entries.size(); from += kReadsPerTxn) {
        const std::size_t to = std::min(entries.size(), from + kReadsPerTxn);
        TxnRequest read;
        for (std::size_t i = from; i < to; ++i) {
            read.success.push_back({RangeRequest{layout_.leaseKey(entries[i].address), {}, 0, false, false}});
        }
        const auto reply = client_->txn(read);
        for (std::size_t i = from; i < to; ++i) {
            const auto& kvs = reply.rangeAt(i - from).kvs;
            // Only a lease written with the entry counts: a stale entry holds nothing.
            if (kvs.empty() || kvs.front().createRevision != entries[i].revision) continue;
            const auto owner = EtcdLayout::parseLeaseValue(kvs.front().value);
            out.push_back(Lease{entries[i].address, entries[i].who, owner ? owner->takenAt : 0, cfg_.nodeName});
        }
    }
    return out;
}

void EtcdLeaseStore::checkAvailable() {
    client_->setDeadline(etcd::Deadline(cfg_.timeout));
    const std::string prefix = layout_.networkPrefix();
    try {
        client_->range(RangeRequest{prefix, etcd::prefixEnd(prefix), 1, true, false});
    } catch (const std::exception& e) {
        throw Error(ErrorCode::PluginNotAvailable, "network " + cfg_.network + ": etcd is not available: " + e.what(),
                    "etcd endpoints: " + client_->endpointList());
    }
}

}  // namespace ibvf::ipam
