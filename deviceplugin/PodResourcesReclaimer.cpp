#include "deviceplugin/PodResourcesReclaimer.hpp"

#include <spdlog/spdlog.h>

#include "deviceplugin/PodResourcesClient.hpp"
#include "deviceplugin/RecordReclaim.hpp"

namespace ibvf::dp {
namespace {

// kubelet answers List from memory; a slow answer means a stuck kubelet, and this runs on the
// daemon's main loop, which also carries health updates.
constexpr std::chrono::milliseconds kListTimeout{2000};

}  // namespace

PodResourcesReclaimer::PodResourcesReclaimer(std::filesystem::path socket, AllocationPaths paths, std::chrono::seconds interval,
                                             std::chrono::seconds grace, PodAssignments* assignments, PoolMetrics* metrics)
    : socket_(std::move(socket)),
      paths_(std::move(paths)),
      interval_(interval),
      grace_(grace),
      assignments_(assignments),
      metrics_(metrics) {}

void PodResourcesReclaimer::runIfDue(std::chrono::steady_clock::time_point now) {
    if (lastRun_ && now < *lastRun_ + interval_) return;
    lastRun_ = now;
    run();
}

void PodResourcesReclaimer::noteCondition(const std::string& condition, bool problem) {
    if (condition == condition_) return;
    condition_ = condition;
    if (condition == "missing")
        spdlog::info("kubelet pod-resources socket {} is missing: allocation records are kept until it can be asked", socket_.string());
    else if (problem)
        spdlog::warn("{}: allocation records are kept until kubelet answers", condition);
    else
        spdlog::info(
            "kubelet pod-resources socket {} answers: records of VFs no container holds are reclaimed "
            "after {} s",
            socket_.string(), grace_.count());
}

void PodResourcesReclaimer::run() {
    std::error_code ec;
    if (!std::filesystem::exists(socket_, ec)) {
        noteCondition("missing", false);
        return;
    }
    std::set<std::string> assigned;
    try {
        AssignmentMap held = listPodDevices(socket_, kListTimeout);
        for (const auto& [id, holder] : held) assigned.insert(id);
        if (assignments_ != nullptr) assignments_->publish(std::move(held));
    } catch (const std::exception& e) {
        noteCondition(e.what(), true);
        return;
    }
    noteCondition("ok", false);
    try {
        if (const auto n = reclaimUnassignedRecords(assigned, paths_, grace_, std::chrono::system_clock::now())) {
            spdlog::info("reclaimed {} allocation record(s) of VFs no container holds", n);
            if (metrics_ != nullptr) metrics_->addReclaimed(ReclaimReason::NotHeld, n);
        }
    } catch (const std::exception& e) {
        spdlog::warn("reclaim allocation records: {}", e.what());
    }
}

}  // namespace ibvf::dp
