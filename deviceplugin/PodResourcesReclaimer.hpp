#pragma once
// Asks kubelet's pod-resources API which devices containers hold, on start and then every
// `interval`, and removes the allocation records of the others (see RecordReclaim.hpp). Without
// kubelet's answer (socket missing, List failing) nothing is removed: every record is presumed
// in use. Each change of that condition is logged once, not every round.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/PodAssignments.hpp"
#include "deviceplugin/PoolMetrics.hpp"

namespace ibvf::dp {

class PodResourcesReclaimer {
public:
    // `assignments` and `metrics` (may be null) receive each round's List and reclaim count.
    PodResourcesReclaimer(std::filesystem::path socket, AllocationPaths paths, std::chrono::seconds interval, std::chrono::seconds grace,
                          PodAssignments* assignments = nullptr, PoolMetrics* metrics = nullptr);

    // Runs a round when one is due (the first call always runs).
    void runIfDue(std::chrono::steady_clock::time_point now);

private:
    void run();
    void noteCondition(const std::string& condition, bool problem);

    const std::filesystem::path socket_;
    const AllocationPaths paths_;
    const std::chrono::seconds interval_;
    const std::chrono::seconds grace_;
    PodAssignments* const assignments_;
    PoolMetrics* const metrics_;
    std::optional<std::chrono::steady_clock::time_point> lastRun_;
    std::string condition_;  // last logged: "" (none yet), "missing", "ok" or the List error
};

}  // namespace ibvf::dp
