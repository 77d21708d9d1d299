#pragma once
// One exec of a program, timed the way the runtime experiences it: wall time from spawn to
// reap, plus what wait4() reports for the child. lib/linux's ChildProcess hides the rusage and
// pumps pipes while the child runs; here stdin is a pre-filled memfd and stdout/stderr go to
// memfds read after the child exits, so nothing else happens while the clock runs. The spawn,
// clock and wait4() happen in ibvf-bench-spawn (SpawnMeter.cpp, next to this binary), a tiny
// static process, because a child spawned from the bench itself inherits the bench's RSS
// high-water mark in its ru_maxrss.
#include <string>
#include <vector>

namespace ibvf::bench {

struct TimedRun {
    double wallMs = 0;
    // ru_maxrss of the reaped child. wait4() reports RUSAGE_BOTH: the maximum over the child and
    // every descendant it waited for, so a plugin that execs its IPAM reports the larger of the two.
    long maxRssKb = 0;
    double cpuMs = 0;   // user + system, the child and its waited-for descendants
    int exitCode = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;

    bool ok() const { return exitCode == 0; }
    // "exit 1; stdout: ...; stderr: ..." for failure messages.
    std::string summary() const;
};

// Runs `path` with argv = {path, args...}; `env` is the whole environment. Throws
// std::runtime_error when the program cannot be started.
TimedRun runTimed(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                  const std::string& stdinText);

}  // namespace ibvf::bench
