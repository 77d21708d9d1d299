#include "deviceplugin/HealthState.hpp"

namespace ibvf::dp {

void HealthState::setReadiness(bool ready, std::string why) {
    std::lock_guard lock(mutex_);
    ready_ = ready;
    why_ = std::move(why);
}

HealthState::Verdict HealthState::live(Clock::time_point now) const {
    const auto since = now - Clock::time_point(Clock::duration(lastBeat_.load()));
    if (since > stallLimit_)
        return {false, "the daemon's loop has not turned for " +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) + " s"};
    return {true, "ok"};
}

HealthState::Verdict HealthState::ready(Clock::time_point now) const {
    if (auto l = live(now); !l.ok) return l;
    std::lock_guard lock(mutex_);
    if (!ready_) return {false, why_};
    return {true, "ok"};
}

}  // namespace ibvf::dp
