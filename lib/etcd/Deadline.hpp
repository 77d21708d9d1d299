#pragma once
// The time one CNI command may spend on etcd, shared by every connect, write and read it makes:
// a per-call timeout would let N round trips to a dead endpoint add up to N timeouts.
#include <algorithm>
#include <chrono>

namespace ibvf::etcd {

class Deadline {
public:
    using Clock = std::chrono::steady_clock;

    explicit Deadline(std::chrono::milliseconds budget) : at_(Clock::now() + budget) {}

    bool passed() const { return Clock::now() >= at_; }
    std::chrono::milliseconds remaining() const {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now());
        return std::max(left, std::chrono::milliseconds(0));
    }
    // For poll(2): rounded up so a wait never ends just before the deadline, 0 once it passed.
    int pollTimeoutMs() const {
        const auto left = at_ - Clock::now();
        if (left <= Clock::duration::zero()) return 0;
        return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    }
    // This deadline or `budget` from now, whichever comes first.
    Deadline atMost(std::chrono::milliseconds budget) const {
        Deadline d(budget);
        d.at_ = std::min(d.at_, at_);
        return d;
    }

private:
    Clock::time_point at_;
};

}  // namespace ibvf::etcd
