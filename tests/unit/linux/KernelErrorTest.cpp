#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "linux/KernelError.hpp"

using namespace ibvf;

TEST_CASE("KernelError reads 'what: strerror' and keeps errno") {
    const linux::KernelError e(ENOENT, "open /x");
    CHECK(std::string(e.what()) == "open /x: No such file or directory");
    CHECK(e.err() == ENOENT);
    errno = EBUSY;
    try {
        linux::throwErrno("rename link a");
        FAIL("throwErrno returned");
    } catch (const linux::KernelError& k) {
        CHECK(k.err() == EBUSY);
        CHECK(std::string(k.what()) == "rename link a: Device or resource busy");
    }
    CHECK_THROWS_AS(linux::throwErr(EEXIST, "x"), linux::KernelError);
}
