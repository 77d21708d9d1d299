#pragma once
// Named steps of the lease store where a test can kill the process, to prove that every
// intermediate state on disk is one the store recovers from.
//
// A hook pointer, not an environment variable or a test-only build: the tests then exercise the
// very library that ships, the product binary has no switch that makes it kill itself, and the
// cost on the path is one relaxed atomic load and a predicted branch per step (a handful per
// ADD, nanoseconds against the microseconds of each filesystem call beside it).
#include <array>
#include <atomic>
#include <string_view>

namespace ibvf::ipam::crash {

using Hook = void (*)(std::string_view step);

inline std::atomic<Hook> g_hook{nullptr};

// Tests only: called with each step's name as the store passes it.
inline void setHook(Hook hook) { g_hook.store(hook, std::memory_order_relaxed); }

inline void reach(std::string_view step) {
    if (const Hook h = g_hook.load(std::memory_order_relaxed)) [[unlikely]] {
        h(step);
    }
}

// Every step, in the order an operation passes them.
inline constexpr std::array<std::string_view, 13> kSteps = {
    "add.locked",                // lock held, nothing written
    "pending.written",           // a replacement written under the temporary name, not renamed
    "add.index-written",         // the attachment's index lists the addresses to take
    "add.lease-created",         // one more lease created (after each one)
    "add.cursor-written",        // a range set's round-robin cursor moved (after each one)
    "add.stale-lease-removed",   // re-ADD: a lease the attachment no longer needs is gone
    "add.index-final",           // re-ADD: the index lists exactly the kept addresses
    "del.lease-removed",         // after each lease removed
    "del.index-removed",         // DEL complete
    "gc.lease-removed",          // GC: a lease of a vanished attachment removed
    "gc.index-removed",          // GC: its index removed
    "gc.orphan-removed",         // GC: a lease no index accounts for removed
    "gc.pending-removed",        // GC: a leftover temporary name removed
};

}  // namespace ibvf::ipam::crash
