#pragma once
// Errors from the kernel layer carry the operation, the object (device, path) and errno, so the
// message that reaches the user says what failed where: "move link eth3 (ifindex 7) to netns
// /run/netns/x: Operation not permitted".
#include <string>
#include <system_error>

namespace ibvf::linux {

class KernelError : public std::system_error {
public:
    KernelError(int err, const std::string& what) : std::system_error(err, std::generic_category(), what) {}
    int err() const { return code().value(); }
};

[[noreturn]] void throwErrno(const std::string& what);         // uses errno
[[noreturn]] void throwErr(int err, const std::string& what);  // err > 0

}  // namespace ibvf::linux
