#pragma once
// Which container holds which device, from kubelet's pod-resources List (the reclaimer asks it
// every --reclaim-interval): the metrics label a VF with its pod while it is allocated. Kept by
// device ID; pod namespace, pod and container names only (never container IDs: unbounded).
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace ibvf::dp {

struct PodRef {
    std::string resource;  // as kubelet lists it ("rdma/vhca")
    std::string namespace_;
    std::string pod;
    std::string container;
};

// device ID -> holder
using AssignmentMap = std::map<std::string, PodRef>;

class PodAssignments {
public:
    void publish(AssignmentMap assignments) {
        auto fresh = std::make_shared<const AssignmentMap>(std::move(assignments));
        std::lock_guard lock(mutex_);
        map_ = std::move(fresh);
    }
    std::shared_ptr<const AssignmentMap> snapshot() const {
        std::lock_guard lock(mutex_);
        return map_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const AssignmentMap> map_ = std::make_shared<const AssignmentMap>();
};

}  // namespace ibvf::dp
