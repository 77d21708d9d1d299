#include "deviceplugin/VfReader.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include <spdlog/spdlog.h>

#include "linux/LinkStats.hpp"
#include "linux/NetnsSocket.hpp"
#include "linux/PciNetdevNames.hpp"
#include "linux/RdmaCounterReader.hpp"
#include "linux/VfStateReader.hpp"
#include "node/AllocationRecord.hpp"

namespace ibvf::dp {
namespace {

using LinkMap = std::map<std::string, linux::LinkCounters>;

// The readers of one scrape, each opened on first need and kept for the scrape only (a reader
// keeps its namespace alive).
class ScrapeReaders {
public:
    explicit ScrapeReaders(ReadErrors& errors) : errors_(errors) {}

    const LinkMap* hostLinks() {
        if (!host_) {
            host_.emplace();
            try {
                auto r = linux::LinkStatsReader::here().all();
                if (r)
                    *host_ = std::move(r).value();
                else
                    note("netdev", r.error());
            } catch (const std::exception& e) {
                note("netdev", linux::ReadError{linux::ReadFailure::Failed, 0, e.what()});
            }
        }
        return &*host_;
    }

    // nullptr when the namespace cannot be read (counted once per scrape and namespace).
    const LinkMap* podLinks(const VfPlacement& placement) {
        Pod& pod = podOf(placement);
        if (!pod.linksRead) {
            pod.linksRead = true;
            auto reader =
                pod.ns.ok() ? linux::LinkStatsReader::open(pod.ns.value()) : linux::ReadResult<linux::LinkStatsReader>(pod.ns.error());
            if (!reader) {
                note("netdev", reader.error());
            } else if (auto all = reader.value().all(); all) {
                pod.links = std::move(all).value();
            } else {
                note("netdev", all.error());
            }
        }
        return pod.links ? &*pod.links : nullptr;
    }

    linux::RdmaCounterReader* podRdma(const VfPlacement& placement) {
        Pod& pod = podOf(placement);
        if (!pod.rdmaOpened) {
            pod.rdmaOpened = true;
            auto reader =
                pod.ns.ok() ? linux::RdmaCounterReader::open(pod.ns.value()) : linux::ReadResult<linux::RdmaCounterReader>(pod.ns.error());
            if (reader)
                pod.rdma = std::make_unique<linux::RdmaCounterReader>(std::move(reader).value());
            else
                note("rdma", reader.error());
        }
        return pod.rdma.get();
    }

    const std::vector<linux::VfSettings>* vfStates(const std::string& pfNetdev) {
        auto [it, fresh] = pfs_.try_emplace(pfNetdev);
        if (fresh) {
            try {
                if (!vfState_) vfState_.emplace();
                auto r = vfState_->read(pfNetdev);
                if (r)
                    it->second = std::move(r).value();
                else
                    note("vf_state", r.error());
            } catch (const std::exception& e) {
                errors_.add("vf_state", linux::ReadFailure::Failed);
                spdlog::debug("metrics: VF states of {}: {}", pfNetdev, e.what());
            }
        }
        return it->second ? &*it->second : nullptr;
    }

    void note(const std::string& source, const linux::ReadError& e) {
        errors_.add(source, e.kind);
        spdlog::debug("metrics: {}", e.message);
    }

private:
    // A pod's namespace, opened once per scrape for both its netdev and its RDMA device.
    struct Pod {
        linux::ReadResult<linux::NetNs> ns;
        bool linksRead = false;
        std::optional<LinkMap> links;
        bool rdmaOpened = false;
        std::unique_ptr<linux::RdmaCounterReader> rdma;
    };

    Pod& podOf(const VfPlacement& placement) {
        NsKey key{placement.netnsPath, placement.netnsInode, placement.netnsCookie};
        auto it = pods_.find(key);
        if (it == pods_.end())
            it =
                pods_
                    .emplace(std::move(key), Pod{linux::openRecordedNetns(placement.netnsPath, placement.netnsInode, placement.netnsCookie),
                                                 false, std::nullopt, false, nullptr})
                    .first;
        return it->second;
    }

    ReadErrors& errors_;
    std::optional<LinkMap> host_;
    using NsKey = std::tuple<std::string, std::uint64_t, std::uint64_t>;  // path, recorded inode and cookie
    std::map<NsKey, Pod> pods_;
    std::map<std::string, std::optional<std::vector<linux::VfSettings>>> pfs_;
    std::optional<linux::VfStateReader> vfState_;
};

// `hostName`: the netdev under <vf>/net/ of a VF without a placement (Sysfs::vf would also walk
// the PF's virtfn links, for every VF); "" when there is none (bound to vfio, or moved by someone else).
void takeNetdev(VfReading& vf, const VfPlacement* placement, const std::string& hostName, ScrapeReaders& readers, ReadErrors& errors) {
    const LinkMap* links = nullptr;
    const std::string* name = &hostName;
    if (placement != nullptr) {
        links = readers.podLinks(*placement);
        name = &placement->ifname;
        if (links == nullptr) return;
    } else {
        if (hostName.empty()) return;
        links = readers.hostLinks();
    }
    if (const auto it = links->find(*name); it != links->end())
        vf.netdev = it->second.stats;
    else
        errors.add("netdev", linux::ReadFailure::DeviceGone);
}

// Counter files present but unreadable (or not a number) leave their series out; they count.
void noteUnreadable(const std::vector<linux::RdmaPortCounters>& ports, ReadErrors& errors) {
    for (const auto& p : ports)
        if (p.unreadable > 0) errors.add("rdma", "unreadable", p.unreadable);
}

using PortsRead = linux::ReadResult<std::vector<linux::RdmaPortCounters>>;

// What the host's sysfs gave for one VF's RDMA device (read by a worker), or, when the device was
// moved into the pod's namespace (exclusive RDMA netns mode), what the kernel says there.
void takeRdma(VfReading& vf, PortsRead r, const VfPlacement* placement, ScrapeReaders& readers, ReadErrors& errors) {
    if (r) {
        vf.ports = std::move(r).value();
        noteUnreadable(vf.ports, errors);
        return;
    }
    if (r.error().kind == linux::ReadFailure::NotVisible && placement != nullptr) {
        linux::RdmaCounterReader* reader = readers.podRdma(*placement);
        if (reader == nullptr) return;
        auto inPod = reader->read(vf.rdmaDevice);
        if (inPod) {
            vf.ports = std::move(inPod).value();
            noteUnreadable(vf.ports, errors);
        } else {
            readers.note("rdma", inPod.error());
        }
        return;
    }
    readers.note("rdma", r.error());
}

// The sysfs readings of one scrape (RDMA port files, and the name of a host VF's netdev), spread
// over the RDMA cache shards: a VF goes to the shard that holds its RDMA device (its directories
// are open there), else to the shard with the fewest VFs. Each shard is read by one thread (the
// caller's when there is one shard, a worker each otherwise) that writes only its own VFs'
// results, so nothing shared is written without a lock; everything else of the scrape stays on
// the caller's thread.
class ShardedReads {
public:
    struct Result {
        std::optional<PortsRead> ports;  // when the VF has an RDMA device
        std::string hostNetdev;          // PciNetdevNames::first(), when asked
    };

    ShardedReads(std::span<linux::RdmaPortCounterCache> shards, const linux::Sysfs& sysfs, std::size_t vfs)
        : shards_(shards), netdevNames_(sysfs), work_(shards.size()), results_(vfs) {}

    // `vf` (numbered from 0, at most `vfs`) stays where it is until run() returned.
    void add(std::size_t number, const VfReading& vf, bool hostNetdev) {
        if (vf.rdmaDevice.empty() && !hostNetdev) return;
        std::size_t shard = shards_.size();
        for (std::size_t s = 0; s < shards_.size() && shard == shards_.size() && !vf.rdmaDevice.empty(); ++s)
            if (shards_[s].holds(vf.rdmaDevice)) shard = s;
        if (shard == shards_.size())
            shard = static_cast<std::size_t>(
                std::min_element(work_.begin(), work_.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); }) -
                work_.begin());
        work_[shard].push_back({number, &vf, hostNetdev});
    }

    // Opens the new devices of every shard on the calling thread (what stays open between scrapes
    // is allocated together, not among the workers' short-lived allocations), then reads.
    void run() {
        for (std::size_t s = 0; s < shards_.size(); ++s) {
            std::vector<std::string> devices;
            for (const auto& item : work_[s])
                if (!item.vf->rdmaDevice.empty() && !shards_[s].holds(item.vf->rdmaDevice)) devices.push_back(item.vf->rdmaDevice);
            shards_[s].open(devices);
        }
        std::vector<std::exception_ptr> failures(shards_.size());
        if (shards_.size() == 1) {
            readShard(0, failures[0]);
        } else {
            // Every shard on a worker, the scraping thread waiting: measured, that cost less CPU
            // and wall time than the scraping thread taking a shard itself (docs/performance.md).
            std::vector<std::jthread> workers;
            for (std::size_t s = 0; s < shards_.size(); ++s) {
                if (work_[s].empty()) continue;
                try {
                    workers.emplace_back([this, s, &failures] { readShard(s, failures[s]); });
                } catch (const std::system_error& e) {  // no thread to be had (EAGAIN): this one reads it
                    spdlog::debug("metrics: reading on the scraping thread, no worker: {}", e.what());
                    readShard(s, failures[s]);
                }
            }
        }  // the workers are joined here
        for (auto& shard : shards_) shard.sweep();
        for (const auto& failure : failures)
            if (failure) std::rethrow_exception(failure);
    }

    Result& result(std::size_t number) { return results_[number]; }

private:
    struct Item {
        std::size_t number;
        const VfReading* vf;
        bool hostNetdev;
    };

    void readShard(std::size_t s, std::exception_ptr& failure) noexcept {
        try {
            for (const auto& item : work_[s]) {
                Result& r = results_[item.number];
                if (!item.vf->rdmaDevice.empty()) r.ports.emplace(shards_[s].read(item.vf->rdmaDevice));
                if (item.hostNetdev) r.hostNetdev = netdevNames_.first(item.vf->pciAddress);
            }
        } catch (...) {
            failure = std::current_exception();
        }
    }

    std::span<linux::RdmaPortCounterCache> shards_;
    const linux::PciNetdevNames netdevNames_;  // read by every worker
    std::vector<std::vector<Item>> work_;
    std::vector<Result> results_;
};

}  // namespace

std::vector<VfReading> readVfs(const std::vector<InventoryPool>& inventory, const AssignmentMap& assignments,
                               const PlacementMap& placements, const linux::Sysfs& sysfs, std::span<linux::RdmaPortCounterCache> rdmaShards,
                               const AllocationPaths& paths, ReadErrors& errors) {
    std::vector<VfReading> out;
    ScrapeReaders readers(errors);
    // One listing of the records rather than a stat per VF.
    std::set<std::string> recorded;
    for (auto& r : node::allocationRecordFiles(paths.allocationsDir)) recorded.insert(std::move(r.pciAddress));
    std::size_t vfs = 0;
    for (const auto& pool : inventory)
        if (pool.mode == PoolMode::Sriov) vfs += pool.devices.size();
    out.reserve(vfs);
    std::vector<const VfPlacement*> placedAt;  // each VF's placement, nullptr when none
    placedAt.reserve(vfs);
    std::vector<bool> presentAt;
    presentAt.reserve(vfs);
    ShardedReads reads(rdmaShards, sysfs, vfs);
    for (const auto& pool : inventory) {
        if (pool.mode != PoolMode::Sriov) continue;
        for (const auto& d : pool.devices) {
            const DeviceRecord& dev = d.device;
            if (dev.pciAddress.empty()) continue;
            VfReading& vf = out.emplace_back();
            vf.resource = pool.resource;
            vf.pciAddress = dev.pciAddress;
            vf.pf = dev.pfNetdev.empty() ? dev.pfPciAddress : dev.pfNetdev;
            vf.vfIndex = dev.vfIndex;
            vf.numaNode = dev.numaNode;
            vf.rdmaDevice = dev.rdmaDevice;
            vf.healthy = d.healthy;
            vf.allocated = recorded.contains(dev.pciAddress);
            if (const auto held = assignments.find(dev.id); held != assignments.end()) vf.pod = held->second;
            const auto placed = placements.find(dev.pciAddress);
            const VfPlacement* placement = placed == placements.end() ? nullptr : &placed->second;
            placedAt.push_back(placement);
            presentAt.push_back(dev.present);
            if (placement != nullptr && vf.rdmaDevice.empty()) vf.rdmaDevice = placement->rdmaDevice;
            if (!dev.present) continue;  // the PF lists it, its PCI device is gone: nothing to read
            reads.add(out.size() - 1, vf, placement == nullptr);
            if (!dev.pfNetdev.empty()) {
                if (const auto* states = readers.vfStates(dev.pfNetdev)) {
                    for (const auto& s : *states)
                        if (s.vfIndex == dev.vfIndex) vf.settings = s;
                }
            }
        }
    }
    reads.run();
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!presentAt[i]) continue;
        auto& r = reads.result(i);
        takeNetdev(out[i], placedAt[i], r.hostNetdev, readers, errors);
        if (r.ports) takeRdma(out[i], std::move(*r.ports), placedAt[i], readers, errors);
    }
    return out;
}

}  // namespace ibvf::dp
