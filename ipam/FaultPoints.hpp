#pragma once
// Named fault points of the lease store, where a test can make the process fail or die (the
// mechanism and why it costs the shipped binaries nothing worth counting: lib/fault/FaultPoint.hpp),
// to prove that every intermediate state on disk is one the store recovers from. The plugin's own
// points are in plugin/FaultPoints.hpp; both use the same names, hook and IBVF_FAULT syntax.
#include <array>
#include <string_view>

#include "fault/FaultPoint.hpp"

namespace ibvf::ipam::faults {

inline void reach(std::string_view point) { fault::reach(point); }

// Every point, in the order an operation passes them.
inline constexpr std::array<std::string_view, 13> kPoints = {
    "ipam.add.locked",               // lock held, nothing written
    "ipam.pending.written",          // a replacement written under the temporary name, not renamed
    "ipam.add.index-written",        // the attachment's index lists the addresses to take
    "ipam.add.lease-created",        // one more lease created (after each one)
    "ipam.add.cursor-written",       // a range set's round-robin cursor moved (after each one)
    "ipam.add.stale-lease-removed",  // re-ADD: a lease the attachment no longer needs is gone
    "ipam.add.index-final",          // re-ADD: the index lists exactly the kept addresses
    "ipam.del.lease-removed",        // after each lease removed
    "ipam.del.index-removed",        // DEL complete
    "ipam.gc.lease-removed",         // GC: a lease of a vanished attachment removed
    "ipam.gc.index-removed",         // GC: its index removed
    "ipam.gc.orphan-removed",        // GC: a lease no index accounts for removed
    "ipam.gc.pending-removed",       // GC: a leftover temporary name removed
};

}  // namespace ibvf::ipam::faults
