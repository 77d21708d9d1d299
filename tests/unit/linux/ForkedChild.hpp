#pragma once
// Runs a function in a forked child (locks and crashes need a second process, not a thread)
// and a pipe to talk to it. The child never returns into the test runner: it _exit()s with the
// function's return value (99 if it threw). A child still running when the test ends is killed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "linux/Fd.hpp"

namespace ibvf::test {

class ForkedChild {
public:
    template <class F>
    explicit ForkedChild(F&& body) {
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            int rc = 99;
            try {
                rc = body();
            } catch (...) {}
            ::_exit(rc);
        }
    }
    ~ForkedChild() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ForkedChild(const ForkedChild&) = delete;
    ForkedChild& operator=(const ForkedChild&) = delete;

    pid_t pid() const { return pid_; }
    void kill(int sig) const { ::kill(pid_, sig); }
    // Raw wait status.
    int wait() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
        pid_ = -1;
        return status;
    }

    // The wait status if the child has ended (it is reaped then), nullopt while it runs.
    std::optional<int> tryWait() {
        int status = 0;
        if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_ = -1;
};

struct Pipe {
    linux::Fd readEnd;
    linux::Fd writeEnd;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        readEnd.reset(fds[0]);
        writeEnd.reset(fds[1]);
    }

    template <class T>
    void send(const T& value) const {
        static_assert(std::is_trivially_copyable_v<T>);
        if (::write(writeEnd.get(), &value, sizeof value) != static_cast<ssize_t>(sizeof value)) {
            throw std::runtime_error("pipe write failed");
        }
    }
    // False when nothing (complete) arrived within `timeout`, so a broken child cannot hang a test.
    template <class T>
    bool receive(T& value, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
        static_assert(std::is_trivially_copyable_v<T>);
        pollfd pfd{readEnd.get(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return false;
        return ::read(readEnd.get(), &value, sizeof value) == static_cast<ssize_t>(sizeof value);
    }
};

// CLOCK_MONOTONIC is system-wide, so timestamps taken in two processes compare directly.
inline std::int64_t monotonicNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

}  // namespace ibvf::test
