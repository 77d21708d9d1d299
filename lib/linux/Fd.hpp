#pragma once
#include <utility>

// GNU dialects (-std=gnu++20) predefine `linux` as a macro, which would rename this namespace.
#if defined(linux)
#error "ibvf builds as ISO C++20 (-std=c++20, CMAKE_CXX_EXTENSIONS OFF): GNU mode defines 'linux' as a macro"
#endif

namespace ibvf::linux {

// Owns one file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    explicit operator bool() const { return fd_ >= 0; }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

}  // namespace ibvf::linux
