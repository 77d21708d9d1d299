#include "linux/KernelError.hpp"

#include <cerrno>

namespace ibvf::linux {

void throwErrno(const std::string& what) { throw KernelError(errno, what); }

void throwErr(int err, const std::string& what) { throw KernelError(err, what); }

}  // namespace ibvf::linux
