#include "ExecTiming.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace ibvf::bench {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double idx = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(idx);
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (idx - static_cast<double>(lo));
}

Child::Child(const std::string& binary, const std::vector<std::string>& env, const std::string& input) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        throw std::runtime_error("pipe");
    }
    // The config is far below the pipe buffer: written before the exec, no deadlock.
    const bool written = ::write(in[1], input.data(), input.size()) == static_cast<ssize_t>(input.size());
    ::close(in[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> argv{const_cast<char*>(binary.c_str()), nullptr};
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int rc = written ? ::posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), envp.data()) : EIO;
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
        ::close(out[0]);
        throw std::runtime_error("spawn " + binary + ": " + std::strerror(rc));
    }
    outFd_ = out[0];
}

Child::Child(Child&& o) noexcept : pid_(std::exchange(o.pid_, -1)), outFd_(std::exchange(o.outFd_, -1)) {}

Child::~Child() {
    if (outFd_ >= 0) ::close(outFd_);
    if (pid_ > 0) {
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
    }
}

int Child::wait(std::string& out) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(outFd_, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(outFd_);
    outFd_ = -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double timeOne(const Spawn& spawn, const std::string& what) {
    const auto t0 = Clock::now();
    Child c(spawn.binary, spawn.env, spawn.input);
    std::string out;
    const int rc = c.wait(out);
    const auto t1 = Clock::now();
    if (rc != 0) throw std::runtime_error(what + " failed (" + std::to_string(rc) + "): " + out);
    return ms(t1 - t0);
}

double timeTogether(const std::vector<Spawn>& spawns, const std::string& what) {
    std::vector<Child> children;
    children.reserve(spawns.size());
    const auto t0 = Clock::now();
    for (const auto& s : spawns) children.emplace_back(s.binary, s.env, s.input);
    int failed = 0;
    std::string lastOut;
    for (auto& ch : children) {
        std::string out;
        if (ch.wait(out) != 0) {
            ++failed;
            lastOut = out;
        }
    }
    const double wall = ms(Clock::now() - t0);
    if (failed) {
        throw std::runtime_error(what + ": " + std::to_string(failed) + " of " + std::to_string(spawns.size()) + " failed: " + lastOut);
    }
    return wall;
}

}  // namespace ibvf::bench
