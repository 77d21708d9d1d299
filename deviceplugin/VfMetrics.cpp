#include "deviceplugin/VfMetrics.hpp"

#include <spdlog/spdlog.h>

#include "deviceplugin/VfFamilies.hpp"
#include "deviceplugin/VfReader.hpp"

namespace ibvf::dp {

VfMetrics::VfMetrics(const DeviceInventory& inventory, const PodAssignments& assignments, PlacementSource placements,
                     kernel::Sysfs sysfs, AllocationPaths paths)
    : inventory_(inventory), assignments_(assignments), placements_(std::move(placements)), sysfs_(std::move(sysfs)),
      paths_(std::move(paths)) {}

void VfMetrics::collect(std::vector<metrics::Family>& out) {
    PlacementMap placements;
    try {
        if (placements_) placements = placements_();
    } catch (const std::exception& e) {
        errors_.add("attachment_state", kernel::ReadFailure::Failed);
        spdlog::debug("metrics: attachment states: {}", e.what());
    }
    std::vector<VfReading> vfs;
    try {
        vfs = readVfs(*inventory_.snapshot(), *assignments_.snapshot(), placements, sysfs_, paths_, errors_);
    } catch (const std::exception& e) {
        // A failure this reader did not foresee: the pool metrics and the error count still go out.
        errors_.add("scrape", kernel::ReadFailure::Failed);
        spdlog::warn("metrics: reading VFs: {}", e.what());
    }
    appendVfFamilies(out, vfs);
    errors_.collect(out);
}

}  // namespace ibvf::dp
