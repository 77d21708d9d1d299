#include "ipam/Reconcile.hpp"

#include <algorithm>

#include "ipam/BackendConfig.hpp"

namespace ibvf::ipam {

ReconcileReport reconcileNodeLeases(const cni::NetConf& conf, const std::vector<AttachmentKey>& valid, ReconcileMode mode) {
    const auto store = openBackend(backendConfigOf(conf));
    ReconcileReport report;
    report.held = store->list();
    for (const Lease& l : report.held) {
        if (std::find(valid.begin(), valid.end(), l.owner) == valid.end()) report.stale.push_back(l);
    }
    if (mode == ReconcileMode::Release && !report.stale.empty()) report.released = store->releaseAllExcept(valid);
    return report;
}

}  // namespace ibvf::ipam
