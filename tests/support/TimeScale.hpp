#pragma once
// Bounds on "soon" in tests are set for a real machine. Under emulation (tests/kernel-lab runs
// the tests in a TCG VM, several times slower) IBVF_TEST_TIME_SCALE, a whole number (default 1),
// multiplies them. It only ever lengthens a wait: a test still fails when the thing never comes.
#include <cstdlib>

namespace ibvf::test {

inline int timeScale() {
    const char* v = std::getenv("IBVF_TEST_TIME_SCALE");
    const int scale = v == nullptr ? 1 : std::atoi(v);
    return scale >= 1 ? scale : 1;
}

template <class Duration>
Duration scaled(Duration d) {
    return d * timeScale();
}

}  // namespace ibvf::test
