#pragma once
// The workload every contender gets, identical: a fresh pod namespace and a fresh veth pair
// whose `a` end stands in for the VF (its peer `b` is up on the host, so the "VF" has carrier
// like a cabled port). Built before the clock starts and torn down after it stops.
//
// Teardown is not free for the kernel: a namespace dies asynchronously (cleanup_net in a
// workqueue, under locks an ADD also takes). So a round's stages are torn down together at the
// end of the round, and the bench pauses (--settle-ms) before the next one; the rotating order
// spreads whatever remains over every contender.
#include <cstddef>
#include <string>

#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "support/TestNet.hpp"

namespace ibvf::bench {

class Stage {
public:
    // `slot` tells apart the stages of one burst of concurrent operations (each its own VF).
    explicit Stage(linux::RouteSocket& host, std::size_t slot = 0);
    Stage(const Stage&) = delete;
    Stage& operator=(const Stage&) = delete;

    const std::string& vfName() const { return vf_.a(); }
    int vfHostIndex() const { return vf_.aIndex(); }
    const std::string& podPath() const { return pod_.path(); }
    const std::string& podName() const { return pod_.name(); }
    const linux::NetNs& podNs() const { return podNs_; }
    std::size_t slot() const { return slot_; }

private:
    // Destroyed in reverse: the handle first, then the pair (wherever its ends are), then the
    // namespace's bind mount.
    test::ScopedNetns pod_;
    test::VethPair vf_;
    linux::NetNs podNs_;
    std::size_t slot_;
};

// Each throws std::runtime_error saying what is where instead: a benchmark of an operation that
// did not happen is worthless.
// The VF is in the pod under `podName`, and no longer on the host.
void expectInPod(const Stage& stage, const std::string& podName, const std::string& who);
// The VF is back on the host under its own name and `podName` is gone from the pod.
void expectBackOnHost(const Stage& stage, const std::string& podName, const std::string& who);

}  // namespace ibvf::bench
