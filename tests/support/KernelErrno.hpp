#pragma once
// The errno a kernel-layer call failed with, so a test can state which refusal it expects in one
// CHECK; 0 when the call succeeded. Any other exception is the test's failure, not swallowed.
#include <utility>

#include "linux/KernelError.hpp"

namespace ibvf::test {

template <class F>
int kernelErrnoOf(F&& call) {
    try {
        std::forward<F>(call)();
    } catch (const linux::KernelError& e) {
        return e.err();
    }
    return 0;
}

}  // namespace ibvf::test
