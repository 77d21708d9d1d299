#pragma once
// When a recording fake's call must fail: the n-th call from now, or every call of a named
// operation (a number of times, or until cleared). Shared by the hardware fakes.
#include <map>
#include <string>

namespace ibvf::test {

class FailurePlan {
public:
    // `callsSoFar` calls have been made; the n-th one after them (1 = the next) fails with err.
    void failCall(int callsSoFar, int n, int err) { failAt_[callsSoFar + n] = err; }
    // times = -1: until clear().
    void failOperation(std::string op, int err, int times) { failOp_[std::move(op)] = OpFailure{err, times}; }
    void clear() {
        failAt_.clear();
        failOp_.clear();
    }
    // The errno call number `number` (1-based, over the fake's life) of `op` must fail with; 0
    // when it succeeds. Consumes the failure it reports.
    int take(int number, const std::string& op) {
        if (const auto it = failAt_.find(number); it != failAt_.end()) {
            const int err = it->second;
            failAt_.erase(it);
            return err;
        }
        if (const auto it = failOp_.find(op); it != failOp_.end() && it->second.remaining != 0) {
            if (it->second.remaining > 0) --it->second.remaining;
            return it->second.err;
        }
        return 0;
    }

private:
    struct OpFailure {
        int err = 0;
        int remaining = -1;
    };
    std::map<int, int> failAt_;
    std::map<std::string, OpFailure> failOp_;
};

}  // namespace ibvf::test
