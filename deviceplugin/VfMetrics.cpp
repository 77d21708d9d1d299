#include "deviceplugin/VfMetrics.hpp"

#include <sched.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "deviceplugin/VfFamilies.hpp"
#include "deviceplugin/VfReader.hpp"
#include "node/VfAttachment.hpp"

namespace ibvf::dp {

PlacementSource attachmentPlacements(std::filesystem::path attachmentsDir) {
    return [dir = std::move(attachmentsDir)]() -> PlacementLookup {
        return [dir, claimed = node::claimedVfs(dir)](const std::string& pciAddress) -> std::optional<VfPlacement> {
            if (claimed && !claimed->contains(pciAddress)) return std::nullopt;
            const auto a = node::findAttachmentOfVf(dir, pciAddress);
            // An ADD still running may be moving the netdev; a vfio-pci attachment has none.
            if (!a || !a->attached || !a->vfNetdev) return std::nullopt;
            return VfPlacement{a->netns, *a->vfNetdev, a->rdmaDevice.value_or(""), a->netnsInode, a->netnsCookie};
        };
    };
}

unsigned defaultMetricsReadThreads() {
    // The CPUs this thread may run on (a container's cpuset), not every CPU the node has online.
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    const int n = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
    return static_cast<unsigned>(std::clamp(n, 1, 4));
}

VfMetrics::VfMetrics(const DeviceInventory& inventory, const PodAssignments& assignments, PlacementSource placements, linux::Sysfs sysfs,
                     AllocationPaths paths, linux::RdmaPortCounterCache::KeepFiles keepFiles, unsigned readThreads)
    : inventory_(inventory),
      assignments_(assignments),
      placements_(std::move(placements)),
      sysfs_(std::move(sysfs)),
      paths_(std::move(paths)) {
    for (unsigned i = 0; i < std::max(readThreads, 1U); ++i) rdmaShards_.emplace_back(sysfs_, exportedPortCounterFiles(), keepFiles);
}

void VfMetrics::collect(std::vector<metrics::Family>& out) {
    const InventorySnapshot inventory = inventory_.snapshot();
    PlacementMap placements;
    const PlacementLookup placementOf = placements_ ? placements_() : nullptr;
    for (const auto& pool : *inventory) {
        if (pool.mode != PoolMode::Sriov || !placementOf) continue;
        for (const auto& d : pool.devices) {
            try {
                if (auto p = placementOf(d.device.pciAddress)) placements.emplace(d.device.pciAddress, std::move(*p));
            } catch (const std::exception& e) {
                errors_.add("attachment_state", linux::ReadFailure::Failed);
                spdlog::debug("metrics: attachment state of {}: {}", d.device.pciAddress, e.what());
            }
        }
    }
    std::vector<VfReading> vfs;
    try {
        const std::lock_guard lock(rdmaSysfsMutex_);
        vfs = readVfs(*inventory, *assignments_.snapshot(), placements, sysfs_, rdmaShards_, paths_, errors_);
    } catch (const std::exception& e) {
        // A failure this reader did not foresee: the pool metrics and the error count still go out.
        errors_.add("scrape", linux::ReadFailure::Failed);
        spdlog::warn("metrics: reading VFs: {}", e.what());
    }
    appendVfFamilies(out, vfs);
    errors_.collect(out);
}

}  // namespace ibvf::dp
