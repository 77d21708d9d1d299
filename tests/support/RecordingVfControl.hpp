#pragma once
#include "support/FailurePlan.hpp"
// A VfControl that records every call, keeps per-VF state (so get() returns what was set) and
// fails on command, for ADD/DEL flow tests on machines without SR-IOV InfiniBand hardware.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "linux/VfControl.hpp"

namespace ibvf::test {

struct VfCall {
    std::string op;  // "setGuids", "setLinkState", "get"
    int pfIfindex = 0;
    int vfIndex = 0;
    std::uint64_t nodeGuid = 0;               // setGuids
    std::uint64_t portGuid = 0;               // setGuids
    std::optional<linux::VfLinkState> state;  // setLinkState
    int failedWith = 0;                       // the errno it was made to fail with, 0 when it succeeded

    // "setGuids pf=5 vf=3 node=00:11:.. port=00:11:..", "setLinkState pf=5 vf=3 enable",
    // "get pf=5 vf=3", with " -> errno 95" when it failed. Handy for CHECKs on the whole sequence.
    std::string str() const;
};

class RecordingVfControl : public linux::VfControl {
public:
    // Declares a VF with its current settings (what the "hardware" reports before any change).
    // get() on a VF never declared nor set throws KernelError ENODEV, like the real one.
    void addVf(int pfIfindex, linux::VfSettings initial);

    // The n-th call from now on (1 = the next one), of any operation, throws KernelError(err).
    void failCall(int n, int err);
    // Every call of `op` ("setGuids", "setLinkState", "get") throws KernelError(err), `times`
    // times (-1 = until clearFailures()).
    void failOperation(std::string op, int err, int times = -1);
    void clearFailures();

    const std::vector<VfCall>& calls() const { return calls_; }
    std::vector<std::string> callStrings() const;
    // What the "hardware" holds now; nullopt when the VF is unknown.
    std::optional<linux::VfSettings> settings(int pfIfindex, int vfIndex) const;

    void setGuids(int pfIfindex, int vfIndex, std::uint64_t nodeGuid, std::uint64_t portGuid) override;
    void setLinkState(int pfIfindex, int vfIndex, linux::VfLinkState state) override;
    linux::VfSettings get(int pfIfindex, int vfIndex) override;

private:
    // Records the call; throws if it is meant to fail.
    void record(VfCall call);

    std::vector<VfCall> calls_;
    std::map<std::pair<int, int>, linux::VfSettings> vfs_;
    FailurePlan plan_;
};

}  // namespace ibvf::test
