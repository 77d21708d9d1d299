#pragma once
// Named points on the ADD, DEL and GC paths of the plugin and the lease store where a test can
// make the process fail or die, to prove that every intermediate state is one that the undo
// stack, a later DEL or a GC brings back to where the node was before the ADD.
//
// A hook pointer that nothing in the shipped binaries sets: the product has no switch (no
// environment variable, no flag) that makes it fail or kill itself. Only test code installs a
// hook: the unit tests directly, and the test-only `ibvf-faulty` binary (tests/faulty/) from
// IBVF_FAULT. So the tests exercise the very libraries that ship rather than a second build of
// them. The price in the shipped binaries is one relaxed load of a global pointer and a
// predicted branch per point (docs/performance.md has the measured cost).
#include <atomic>
#include <string_view>

namespace ibvf::fault {

using Hook = void (*)(std::string_view point);

inline std::atomic<Hook> g_hook{nullptr};

// Tests only: called with each point's name as the process passes it. The hook may throw (the
// exception propagates like any failure of the step before it) or end the process.
inline void setHook(Hook hook) { g_hook.store(hook, std::memory_order_relaxed); }

inline void reach(std::string_view point) {
    if (const Hook h = g_hook.load(std::memory_order_relaxed)) [[unlikely]] {
        h(point);
    }
}

}  // namespace ibvf::fault
