#include "linux/Fd.hpp"

#include <unistd.h>

namespace ibvf::linux {

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

Fd::~Fd() { reset(); }

void Fd::reset(int fd) {
    // close() is not retried on EINTR: on Linux the descriptor is released either way, and a
    // retry could close a descriptor another thread has just been given.
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
}

}  // namespace ibvf::linux
