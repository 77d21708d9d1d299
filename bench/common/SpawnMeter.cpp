// ibvf-bench-spawn: runs one program and reports how long it took and its peak RSS.
//
//   ibvf-bench-spawn PROGRAM [ARGS...]     (environment and fds 0-2 are passed on unchanged)
//
// Writes "<exit code> <signal> <wall ns> <ru_maxrss KiB> <user us> <system us>\n" to fd 3, or
// "spawn-error <errno>\n" when PROGRAM cannot be started; exits 0 either way.
//
// Why a separate, tiny, static program: the kernel folds the high-water RSS of the memory a
// process had before execve() into its ru_maxrss. A child vforked (posix_spawn) or forked from
// the bench carries the bench's ~4 MB into every measurement, so that /bin/true "uses" 4 MB.
// Spawned from this process instead, the carried-over part is this program's few hundred KiB,
// far below any plugin's own peak, and the maximum wait4() reports is the plugin's.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

extern char** environ;

namespace {

constexpr int kResultFd = 3;

long long nanos(const timespec& t) { return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec; }
long long micros(const timeval& t) { return static_cast<long long>(t.tv_sec) * 1000000LL + t.tv_usec; }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: ibvf-bench-spawn PROGRAM [ARGS...] (result on fd 3)\n");
        return 2;
    }
    // The program under test must not inherit the result channel.
    if (::fcntl(kResultFd, F_SETFD, FD_CLOEXEC) != 0) {
        std::perror("ibvf-bench-spawn: fd 3");
        return 2;
    }
    timespec start{}, end{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = -1;
    if (const int rc = ::posix_spawn(&pid, argv[1], nullptr, nullptr, argv + 1, environ); rc != 0) {
        ::dprintf(kResultFd, "spawn-error %d\n", rc);
        return 0;
    }
    int status = 0;
    rusage ru{};
    while (::wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            ::dprintf(kResultFd, "spawn-error %d\n", errno);
            return 0;
        }
    }
    ::clock_gettime(CLOCK_MONOTONIC, &end);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    ::dprintf(kResultFd, "%d %d %lld %ld %lld %lld\n", code, sig, nanos(end) - nanos(start), ru.ru_maxrss, micros(ru.ru_utime),
              micros(ru.ru_stime));
    return 0;
}
