#include "support/RecordingVfControl.hpp"

#include <cerrno>

#include "linux/Guid.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::test {

using linux::KernelError;
using linux::VfSettings;

std::string VfCall::str() const {
    std::string s = op + " pf=" + std::to_string(pfIfindex) + " vf=" + std::to_string(vfIndex);
    if (op == "setGuids") s += " node=" + linux::Guid(nodeGuid).str() + " port=" + linux::Guid(portGuid).str();
    if (state) s += " " + std::string(linux::vfLinkStateName(*state));
    if (failedWith) s += " -> errno " + std::to_string(failedWith);
    return s;
}

void RecordingVfControl::addVf(int pfIfindex, VfSettings initial) { vfs_[{pfIfindex, initial.vfIndex}] = initial; }

void RecordingVfControl::failCall(int n, int err) { plan_.failCall(static_cast<int>(calls_.size()), n, err); }

void RecordingVfControl::failOperation(std::string op, int err, int times) { plan_.failOperation(std::move(op), err, times); }

void RecordingVfControl::clearFailures() { plan_.clear(); }

std::vector<std::string> RecordingVfControl::callStrings() const {
    std::vector<std::string> out;
    for (const auto& c : calls_) out.push_back(c.str());
    return out;
}

std::optional<VfSettings> RecordingVfControl::settings(int pfIfindex, int vfIndex) const {
    const auto it = vfs_.find({pfIfindex, vfIndex});
    if (it == vfs_.end()) return std::nullopt;
    return it->second;
}

void RecordingVfControl::record(VfCall call) {
    const int err = plan_.take(static_cast<int>(calls_.size()) + 1, call.op);
    call.failedWith = err;
    const std::string what =
        call.op + " of VF " + std::to_string(call.vfIndex) + " on PF ifindex " + std::to_string(call.pfIfindex) + " (recording fake)";
    calls_.push_back(std::move(call));
    if (err) throw KernelError(err, what);
}

void RecordingVfControl::setGuids(int pfIfindex, int vfIndex, std::uint64_t nodeGuid, std::uint64_t portGuid) {
    VfCall c{"setGuids", pfIfindex, vfIndex, nodeGuid, portGuid, std::nullopt, 0};
    record(c);
    auto& vf = vfs_[{pfIfindex, vfIndex}];
    vf.vfIndex = vfIndex;
    vf.nodeGuid = nodeGuid;
    vf.portGuid = portGuid;
}

void RecordingVfControl::setLinkState(int pfIfindex, int vfIndex, linux::VfLinkState state) {
    VfCall c{"setLinkState", pfIfindex, vfIndex, 0, 0, state, 0};
    record(c);
    auto& vf = vfs_[{pfIfindex, vfIndex}];
    vf.vfIndex = vfIndex;
    vf.linkState = state;
}

VfSettings RecordingVfControl::get(int pfIfindex, int vfIndex) {
    VfCall c{"get", pfIfindex, vfIndex, 0, 0, std::nullopt, 0};
    record(c);
    const auto it = vfs_.find({pfIfindex, vfIndex});
    if (it == vfs_.end())
        throw KernelError(ENODEV, "read settings of VF " + std::to_string(vfIndex) + " on PF ifindex " + std::to_string(pfIfindex) +
                                      " (recording fake): no such VF");
    return it->second;
}

}  // namespace ibvf::test
