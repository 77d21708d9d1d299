#pragma once
// What the DaemonSet's probes ask. Liveness (/healthz): the daemon's loop is still turning; it
// beats on every round, at least once per refresh interval, so a loop stuck for `stallLimit`
// (a hung kernel call, a deadlock) fails the probe and kubelet restarts the container. Readiness
// (/readyz): every resource is served on its socket and registered with kubelet.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace ibvf::dp {

class HealthState {
public:
    using Clock = std::chrono::steady_clock;

    explicit HealthState(std::chrono::seconds stallLimit = std::chrono::seconds(60)) : stallLimit_(stallLimit) {}

    void beat(Clock::time_point now = Clock::now()) { lastBeat_.store(now.time_since_epoch().count()); }
    // `why`: what is missing ("rdma/vhca: not registered with kubelet"), empty when ready.
    void setReadiness(bool ready, std::string why);

    struct Verdict {
        bool ok = false;
        std::string text;  // the probe's body: "ok" or what is wrong
    };
    Verdict live(Clock::time_point now = Clock::now()) const;
    Verdict ready(Clock::time_point now = Clock::now()) const;

private:
    const std::chrono::seconds stallLimit_;
    std::atomic<Clock::rep> lastBeat_{Clock::now().time_since_epoch().count()};
    mutable std::mutex mutex_;
    bool ready_ = false;
    std::string why_ = "starting";
};

}  // namespace ibvf::dp
