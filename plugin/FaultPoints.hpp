#pragma once
// Named points of ADD and DEL where a test can make the process fail or die (the mechanism:
// lib/fault/FaultPoint.hpp; the lease store's own points: ipam/FaultPoints.hpp). Each point is
// passed right after the change it names was made, and only when the configuration asked for
// that change, so "fail at X" always means "X happened, the next step did not".
#include <array>
#include <string_view>

#include "fault/FaultPoint.hpp"

namespace ibvf::plugin::faults {

inline void reach(std::string_view point) { fault::reach(point); }

// In the order an ADD, then a DEL (also GC's release of one attachment), then a GC pass them.
inline constexpr std::array<std::string_view, 26> kPoints = {
    "attach.claimed",                // VF locked and claimed (vf/<bdf>, the first state); no state yet
    "attach.intent-recorded",        // attachment state written (phase Attaching); node untouched
    "attach.ipam-started",           // IPAM allocation started (an exec'd IPAM's in the background)
    "attach.guid-set",               // guid/guidPool: VF GUIDs set through the PF and driver rebound
    "attach.link-state-set",         // linkState: VF link state set through the PF
    "attach.rdma-moved",             // rdmaIsolation: the VF's RDMA device is in the pod
    "attach.host-link-down",         // the VF netdev was up on the host and is now down
    "attach.moved",                  // the VF netdev is in the pod under its pod name
    "attach.child-created",          // ipoibChild: the IPoIB child exists in the pod
    "attach.mtu-set",                // mtu: set on the pod interface
    "attach.ipam-done",              // IPAM result collected
    "attach.addresses-added",        // addresses on the pod interface
    "attach.up",                     // pod interface up
    "attach.routes-added",           // routes in the pod
    "attach.device-info-published",  // runtimeConfig.CNIDeviceInfoFile written
    "attach.committed",              // state phase Attached, undo stack dropped; result not yet printed
    "detach.locked",                 // VF lock held, state read again
    "detach.child-removed",          // ipoibChild: the IPoIB child is gone
    "detach.netdev-restored",        // the VF netdev is back on the host, name/MTU/up restored
    "detach.rdma-returned",          // rdmaIsolation: the RDMA device is back on the host
    "detach.link-state-restored",    // linkState: the original VF link state is back
    "detach.guid-restored",          // guid: the original GUIDs are back
    "detach.addresses-released",     // the IPAM DEL finished
    "detach.claim-released",         // vf/<bdf> removed
    "detach.state-removed",          // attachment state removed: DEL complete
    "gc.keep-listed",                // GC, no ADD in flight: what the IPAM keeps is listed, not yet collected
};

}  // namespace ibvf::plugin::faults
