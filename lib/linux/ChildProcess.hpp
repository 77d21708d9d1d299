#pragma once
// Direct exec of another program (no shell), as the CNI spec wants for delegated plugins:
// stdin is fed, stdout/stderr collected, without deadlock on large outputs.
// SIGPIPE (a child that stops reading its stdin) is blocked in the calling thread while we write
// and the one we caused is consumed; the process-wide disposition is left alone. The child
// starts with default signal handling and an empty signal mask.
#include <sys/types.h>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::linux {

struct ProcessResult {
    int exitCode = -1;  // -1 when killed by a signal
    int signal = 0;     // terminating signal, 0 when it exited
    std::string out;
    std::string err;
};

// Replaces this process by `path` (argv[0] = path, this process's environment) with `stdinData`
// as its stdin, through a memfd: no pipe, no writer left behind. Returns only when that failed,
// with the errno of the failing step; stdin is then as it was.
int execWithStdin(const std::string& path, std::string_view stdinData);

class ChildProcess {
public:
    // Starts `path` with argv[0] = path and the given environment ("K=V" strings; the parent's
    // environment is not inherited). Throws KernelError naming the path when it cannot start
    // (ENOENT for a missing binary is reported as such, not as a child exit code).
    static ChildProcess spawn(const std::string& path, const std::vector<std::string>& env, std::string stdinData);
    // The same with arguments after argv[0] (a CNI plugin gets none; other programs do).
    static ChildProcess spawn(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                              std::string stdinData);
    ChildProcess(ChildProcess&&) noexcept;
    ChildProcess& operator=(ChildProcess&&) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();  // kills and reaps a child that was never waited for
    pid_t pid() const { return pid_; }
    // Feeds the rest of stdin, drains stdout/stderr, reaps. Call once.
    ProcessResult wait();

private:
    ChildProcess() = default;
    pid_t pid_ = -1;
    int stdinFd_ = -1;
    int stdoutFd_ = -1;
    int stderrFd_ = -1;
    std::string stdinData_;
    std::size_t stdinOffset_ = 0;
};

}  // namespace ibvf::linux
