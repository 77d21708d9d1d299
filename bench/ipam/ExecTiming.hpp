#pragma once
// Running a CNI binary the way a runtime does, for timing: posix_spawn, the CNI environment,
// the config on stdin (pre-filled through a pipe), stdout collected after exit. Shared by the
// ipam benchmarks.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace ibvf::bench {

using Clock = std::chrono::steady_clock;

double ms(Clock::duration d);
// Linear interpolation between closest ranks; 0 for no samples.
double percentile(std::vector<double> v, double p);

// One exec'd plugin.
class Child {
public:
    Child(const std::string& binary, const std::vector<std::string>& env, const std::string& input);
    Child(Child&& o) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    Child& operator=(Child&&) = delete;
    ~Child();
    // Exit code (128 + signal when killed); stdout in `out`.
    int wait(std::string& out);

private:
    pid_t pid_ = -1;
    int outFd_ = -1;
};

struct Spawn {
    std::string binary;
    std::vector<std::string> env;  // the whole environment
    std::string input;             // stdin
};

// Runs it to the end; its wall time from spawn to reap, in ms. Throws naming `what` with the
// output when it fails.
double timeOne(const Spawn& spawn, const std::string& what);

// Starts every one at once; the wall time from the first spawn to the last exit, in ms. Throws
// naming `what`, how many failed and the last failure's output.
double timeTogether(const std::vector<Spawn>& spawns, const std::string& what);

}  // namespace ibvf::bench
