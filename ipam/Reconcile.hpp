#pragma once
// GC's reconciliation as a library call, for ibvf-diag: this node's leases in one network against
// the attachments that really exist on this node (a runtime's cni.dev/valid-attachments, or what
// the diagnostic found). Only this node's leases are ever looked at or released.
#include <cstddef>
#include <vector>

#include "cni/NetConf.hpp"
#include "ipam/LeaseBackend.hpp"

namespace ibvf::ipam {

enum class ReconcileMode {
    DryRun,   // report only
    Release,  // release the stale leases, as CNI GC does
};

struct ReconcileReport {
    std::vector<Lease> held;   // every lease this node held in the network when reconciling began
    std::vector<Lease> stale;  // those whose attachment is not in `valid`
    std::size_t released = 0;  // leases released (0 on a dry run; a lease freed meanwhile by DEL is not counted)
};

// `conf` is the network's configuration; its ipam section selects the store as for GC (node-local
// or etcd, ranges not needed). Throws cni::Error as GC does: TryAgainLater when etcd is
// unreachable, TryAgainLater on a lock timeout, InvalidNetworkConfig for a bad store setting.
ReconcileReport reconcileNodeLeases(const cni::NetConf& conf, const std::vector<AttachmentKey>& valid, ReconcileMode mode);

}  // namespace ibvf::ipam
