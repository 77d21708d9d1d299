#include "ipam/etcd/EtcdGuidStore.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "etcd/EtcdClient.hpp"
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

std::string hex16(linux::Guid g) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, g.value());
    return buf;
}

std::optional<linux::Guid> parseHex16(std::string_view s) {
    if (s.size() != 16) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        int d = -1;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        if (d < 0) return std::nullopt;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    return linux::Guid(v);
}

std::string guidBase(const std::string& prefix) { return prefix + "/_guid"; }

bool keyable(const AttachmentKey& who) { return cni::isValidContainerId(who.containerId) && cni::isValidInterfaceName(who.ifname); }

}  // namespace

std::string EtcdGuidStore::leaseKey(const std::string& prefix, linux::Guid guid) { return guidBase(prefix) + "/leases/" + hex16(guid); }

std::string EtcdGuidStore::nodePrefix(const std::string& prefix, const std::string& node, const std::string& network) {
    return guidBase(prefix) + "/nodes/" + node + "/" + network + "/";
}

EtcdGuidStore::EtcdGuidStore(EtcdBackendConfig config) : cfg_(std::move(config)), client_(connectEtcd(cfg_)), rng_(randomSeed()) {}

EtcdGuidStore::~EtcdGuidStore() = default;

template <class F>
auto EtcdGuidStore::guarded(const char* command, F&& body) -> decltype(body()) {
    return guardEtcd(*client_, cfg_, "network " + cfg_.network + ": GUID " + command + ": ", std::forward<F>(body));
}

std::string EtcdGuidStore::indexKey(const AttachmentKey& who) const {
    return nodePrefix(cfg_.prefix, cfg_.nodeName, cfg_.network) + who.containerId + "/" + who.ifname;
}

std::string EtcdGuidStore::leaseValue(const AttachmentKey& who, linux::Guid guid) const {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    const auto takenAt = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    w.StartObject();
    w.Key("guid");
    w.String(guid.str().c_str());
    w.Key("node");
    w.String(cfg_.nodeName.c_str());
    w.Key("network");
    w.String(cfg_.network.c_str());
    w.Key("containerID");
    w.String(who.containerId.c_str());
    w.Key("ifname");
    w.String(who.ifname.c_str());
    w.Key("takenAt");
    w.Int64(takenAt.count());
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

linux::Guid EtcdGuidStore::allocate(const AttachmentKey& who, const linux::GuidRange& range) {
    if (!keyable(who)) {
        throw Error(ErrorCode::InvalidEnvironment,
                    "container ID '" + who.containerId + "' / interface '" + who.ifname + "' cannot key a GUID lease");
    }
    return guarded("ADD", [&]() -> linux::Guid {
        const std::string index = indexKey(who);
        for (int attempt = 0; attempt < kMaxClaims; ++attempt) {
            // A repeated ADD, or one whose claim reply was lost, keeps what it holds.
            const auto held = client_->range(RangeRequest{index, {}, 0, false, false});
            if (!held.kvs.empty()) {
                if (const auto g = parseHex16(held.kvs.front().value)) return *g;
            }
            const std::string from = leaseKey(cfg_.prefix, range.first);
            const std::string to = leaseKey(cfg_.prefix, range.last) + '\0';
            std::set<std::uint64_t> taken;
            for (const auto& kv : client_->range(RangeRequest{from, to, 0, true, false}).kvs) {
                if (kv.key.size() < 16) continue;
                if (const auto g = parseHex16(std::string_view(kv.key).substr(kv.key.size() - 16))) taken.insert(g->value());
            }
            const std::uint64_t span = range.last.value() - range.first.value();  // size - 1
            if (taken.size() > span) {
                throw Error(ErrorCode::IpamFailure, "network " + cfg_.network + ": every GUID of guidRange " + range.str() + " is leased",
                            "widen guidRange, or free GUIDs: DEL or GC the attachments that hold them");
            }
            // From a random start, the first free GUID: concurrent ADDs rarely pick the same one.
            const std::uint64_t start = span == ~std::uint64_t{0} ? rng_() : rng_() % (span + 1);
            std::uint64_t offset = start;
            while (taken.count(range.first.value() + offset) != 0) offset = offset == span ? 0 : offset + 1;
            const linux::Guid candidate(range.first.value() + offset);
            if (!candidate.valid()) continue;

            const std::string lease = leaseKey(cfg_.prefix, candidate);
            TxnRequest txn;
            txn.compare = {Compare::created(lease, 0), Compare::created(index, 0)};
            txn.success = {{PutRequest{lease, leaseValue(who, candidate)}}, {PutRequest{index, hex16(candidate)}}};
            try {
                if (client_->txn(txn).succeeded) {
                    spdlog::info("network {}: GUID {} leased to {}/{}", cfg_.network, candidate.str(), who.containerId, who.ifname);
                    return candidate;
                }
            } catch (const etcd::EtcdUnavailable& e) {
                if (!e.maybeApplied()) throw;
                // The claim may have been applied: the next read of the index says.
                client_->setDeadline(etcd::Deadline(cfg_.timeout));
            }
        }
        throw Error(ErrorCode::TryAgainLater,
                    "network " + cfg_.network + ": " + std::to_string(kMaxClaims) + " GUID claims collided with other ADDs",
                    "guidRange " + range.str() + " is busy or nearly full; the runtime retries the ADD");
    });
}

std::vector<EtcdGuidStore::Entry> EtcdGuidStore::readEntries(const std::string& prefix) {
    const std::string base = nodePrefix(cfg_.prefix, cfg_.nodeName, cfg_.network);
    std::vector<Entry> out;
    for (const auto& kv : client_->range(RangeRequest{prefix, etcd::prefixEnd(prefix), 0, false, false}).kvs) {
        const std::string rest = kv.key.substr(base.size());
        const auto slash = rest.find('/');
        const auto guid = parseHex16(kv.value);
        if (slash == std::string::npos || !guid) {
            spdlog::warn("network {}: ignoring unreadable GUID index entry {}", cfg_.network, kv.key);
            continue;
        }
        out.push_back(Entry{AttachmentKey{rest.substr(0, slash), rest.substr(slash + 1)}, *guid, kv.createRevision});
    }
    return out;
}

// Each entry and its lease go in one transaction, compared on the entry's revision: never a
// lease someone else took after us.
std::size_t EtcdGuidStore::releaseEntries(const std::vector<Entry>& entries) {
    std::size_t released = 0;
    for (const auto& e : entries) {
        const std::string index = indexKey(e.who);
        const std::string lease = leaseKey(cfg_.prefix, e.guid);
        TxnRequest leaseOfEntry;
        leaseOfEntry.compare = {Compare::created(lease, e.revision)};
        leaseOfEntry.success = {{DeleteRangeRequest{lease, {}}}};
        TxnRequest txn;
        txn.compare = {Compare::created(index, e.revision)};
        txn.success = {{std::move(leaseOfEntry)}, {DeleteRangeRequest{index, {}}}};
        if (client_->txn(txn, true).succeeded) {
            ++released;
            spdlog::info("network {}: GUID {} of {}/{} released", cfg_.network, e.guid.str(), e.who.containerId, e.who.ifname);
        }
    }
    return released;
}

std::size_t EtcdGuidStore::release(const AttachmentKey& who) {
    if (!keyable(who)) return 0;
    return guarded("DEL", [&] {
        const std::string index = indexKey(who);
        std::vector<Entry> mine;
        for (auto& e : readEntries(index)) {
            if (e.who == who) mine.push_back(std::move(e));  // not "<cid>/<ifname>x", which shares the prefix
        }
        return releaseEntries(mine);
    });
}

std::size_t EtcdGuidStore::releaseAllExcept(const std::vector<AttachmentKey>& keep) {
    return guarded("GC", [&] {
        std::vector<Entry> stale;
        for (auto& e : readEntries(nodePrefix(cfg_.prefix, cfg_.nodeName, cfg_.network))) {
            if (std::find(keep.begin(), keep.end(), e.who) == keep.end()) stale.push_back(std::move(e));
        }
        const std::size_t released = releaseEntries(stale);
        if (released) spdlog::info("network {}: GC released {} GUID(s) of node {}", cfg_.network, released, cfg_.nodeName);
        return released;
    });
}

void EtcdGuidStore::checkAvailable() {
    client_->setDeadline(etcd::Deadline(cfg_.timeout));
    const std::string base = guidBase(cfg_.prefix) + "/";
    try {
        client_->range(RangeRequest{base, etcd::prefixEnd(base), 1, true, false});
    } catch (const std::exception& e) {
        throw Error(ErrorCode::PluginNotAvailable, "network " + cfg_.network + ": etcd is not available for GUIDs: " + e.what(),
                    "etcd endpoints: " + client_->endpointList());
    }
}

}  // namespace ibvf::ipam
