#include <doctest/doctest.h>
#include <fcntl.h>

#include <cerrno>
#include <utility>

#include "linux/Fd.hpp"

using namespace ibvf;

TEST_CASE("Fd closes what it owns, exactly once") {
    int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(raw >= 0);
    {
        linux::Fd a(raw);
        linux::Fd b(std::move(a));
        CHECK_FALSE(a);
        CHECK(b.get() == raw);
        linux::Fd c;
        c = std::move(b);
        CHECK(c.get() == raw);
        CHECK(::fcntl(raw, F_GETFD) >= 0);
    }
    CHECK(::fcntl(raw, F_GETFD) < 0);
    CHECK(errno == EBADF);

    int other = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    linux::Fd d(other);
    const int released = d.release();
    CHECK_FALSE(d);
    CHECK(::fcntl(released, F_GETFD) >= 0);
    d.reset(released);
    d.reset();
    CHECK(::fcntl(released, F_GETFD) < 0);
}
