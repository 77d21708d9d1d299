#include "linux/ChildProcess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <utility>

#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::linux {

namespace {

// Writing into a pipe whose reader has exited raises SIGPIPE, whose default action kills the
// whole process (a CNI plugin, a test binary). Rather than changing the process-wide
// disposition, which belongs to the program embedding this code, SIGPIPE is blocked in the
// calling thread while we write; a SIGPIPE our write raised is then still pending on this thread
// and is consumed before the mask is restored. EPIPE from write() tells us the same thing.
class SigpipeBlock {
public:
    SigpipeBlock() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        alreadyPending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~SigpipeBlock() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

    // After EPIPE: swallow the SIGPIPE that write raised, unless one was pending before us
    // (that one is somebody else's and must still be delivered).
    void consumeOurs() {
        if (alreadyPending_) return;
        const timespec zero{};
        while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {}
    }

private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool alreadyPending_ = false;
};

struct Pipe {
    Fd read;
    Fd write;
};

// Descriptors 0-2 must not be used for the pipes: dup2(fd, fd) in the child would keep
// FD_CLOEXEC set and the child would start without that stream.
Fd aboveStdio(Fd fd, const std::string& what) {
    if (fd.get() > STDERR_FILENO) return fd;
    Fd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
    if (!moved) throwErrno(what);
    return moved;
}

Pipe makePipe(const std::string& what) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throwErrno(what);
    Pipe p{Fd(fds[0]), Fd(fds[1])};
    p.read = aboveStdio(std::move(p.read), what);
    p.write = aboveStdio(std::move(p.write), what);
    return p;
}

void setNonblocking(int fd, const std::string& what) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throwErrno(what);
}

void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// Reads whatever is available; closes the descriptor at end of file.
void drain(int& fd, std::string& into, const std::string& what) {
    constexpr std::size_t kChunk = 65536;
    for (;;) {
        const std::size_t old = into.size();
        into.resize(old + kChunk);
        const ssize_t n = ::read(fd, into.data() + old, kChunk);
        into.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
        if (n > 0) continue;
        if (n == 0) {
            closeFd(fd);
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        throwErrno(what);
    }
}

// Writes what the pipe takes now; closes stdin when everything is written or the child has
// closed its end (a child may legitimately ignore its input).
void feed(int& fd, const std::string& data, std::size_t& offset, SigpipeBlock& sigpipe, const std::string& what) {
    while (fd >= 0 && offset < data.size()) {
        const ssize_t n = ::write(fd, data.data() + offset, data.size() - offset);
        if (n > 0) {
            offset += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0 && errno == EPIPE) {
            sigpipe.consumeOurs();
            closeFd(fd);
            return;
        }
        throwErrno(what);
    }
    closeFd(fd);
}

}  // namespace

ChildProcess ChildProcess::spawn(const std::string& path, const std::vector<std::string>& env, std::string stdinData) {
    return spawn(path, {}, env, std::move(stdinData));
}

ChildProcess ChildProcess::spawn(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                                 std::string stdinData) {
    const std::string what = "exec " + path;
    // glibc's posix_spawn reports a failed exec itself (below), but not where the vfork-style
    // clone is emulated as a plain fork (valgrind, some emulators): there a missing binary would
    // look like a child exiting with 127. One access() call settles the common cases everywhere.
    if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0) throwErrno(what);
    Pipe in = makePipe(what);
    Pipe out = makePipe(what);
    Pipe err = makePipe(what);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    if (const int rc = posix_spawn_file_actions_init(&actions)) throwErr(rc, what);
    if (const int rc = posix_spawnattr_init(&attr)) {
        posix_spawn_file_actions_destroy(&actions);
        throwErr(rc, what);
    }
    // The child starts with default signal handling and an empty mask whatever the caller has
    // set up (e.g. SIGPIPE ignored or blocked). Every other descriptor of ours is CLOEXEC.
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    int rc = posix_spawn_file_actions_adddup2(&actions, in.read.get(), STDIN_FILENO);
    if (!rc) rc = posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
    if (!rc) rc = posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);
    if (!rc) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (!rc) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (!rc) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (const auto& kv : env) envp.push_back(const_cast<char*>(kv.c_str()));
    envp.push_back(nullptr);
    std::vector<char*> argv;
    argv.reserve(args.size() + 2);
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    // glibc's posix_spawn (clone(CLONE_VM|CLONE_VFORK) + exec) reports a failed exec as its
    // return value, so a missing binary is ENOENT here and not a child exiting with 127.
    pid_t pid = -1;
    if (!rc) rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc) throwErr(rc, what);

    ChildProcess child;
    child.pid_ = pid;
    child.stdinFd_ = in.write.release();
    child.stdoutFd_ = out.read.release();
    child.stderrFd_ = err.read.release();
    child.stdinData_ = std::move(stdinData);
    setNonblocking(child.stdinFd_, what);
    setNonblocking(child.stdoutFd_, what);
    setNonblocking(child.stderrFd_, what);
    // Hand over what fits in the pipe now, so a small request (the usual netconf) is complete and
    // the child can work while the caller does something else before wait().
    SigpipeBlock sigpipe;
    feed(child.stdinFd_, child.stdinData_, child.stdinOffset_, sigpipe, "write stdin of " + path);
    return child;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      stdinFd_(std::exchange(o.stdinFd_, -1)),
      stdoutFd_(std::exchange(o.stdoutFd_, -1)),
      stderrFd_(std::exchange(o.stderrFd_, -1)),
      stdinData_(std::move(o.stdinData_)),
      stdinOffset_(std::exchange(o.stdinOffset_, 0)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        // Our previous child (if any) ends up in `old` and is killed and reaped with it.
        ChildProcess old(std::move(o));
        std::swap(pid_, old.pid_);
        std::swap(stdinFd_, old.stdinFd_);
        std::swap(stdoutFd_, old.stdoutFd_);
        std::swap(stderrFd_, old.stderrFd_);
        std::swap(stdinData_, old.stdinData_);
        std::swap(stdinOffset_, old.stdinOffset_);
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    closeFd(stdinFd_);
    closeFd(stdoutFd_);
    closeFd(stderrFd_);
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
        pid_ = -1;
    }
}

ProcessResult ChildProcess::wait() {
    if (pid_ <= 0) throwErr(ECHILD, "wait for child: already waited for");
    const std::string what = "child " + std::to_string(pid_);
    ProcessResult result;
    {
        SigpipeBlock sigpipe;
        while (stdinFd_ >= 0 || stdoutFd_ >= 0 || stderrFd_ >= 0) {
            pollfd fds[3];
            nfds_t n = 0;
            if (stdinFd_ >= 0) fds[n++] = pollfd{stdinFd_, POLLOUT, 0};
            if (stdoutFd_ >= 0) fds[n++] = pollfd{stdoutFd_, POLLIN, 0};
            if (stderrFd_ >= 0) fds[n++] = pollfd{stderrFd_, POLLIN, 0};
            if (::poll(fds, n, -1) < 0) {
                if (errno == EINTR) continue;
                throwErrno("poll pipes of " + what);
            }
            for (nfds_t i = 0; i < n; ++i) {
                if (!fds[i].revents) continue;
                if (fds[i].fd == stdinFd_)
                    feed(stdinFd_, stdinData_, stdinOffset_, sigpipe, "write stdin of " + what);
                else if (fds[i].fd == stdoutFd_)
                    drain(stdoutFd_, result.out, "read stdout of " + what);
                else if (fds[i].fd == stderrFd_)
                    drain(stderrFd_, result.err, "read stderr of " + what);
            }
        }
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) throwErrno("reap " + what);
    }
    pid_ = -1;
    if (WIFEXITED(status)) {
        result.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

int execWithStdin(const std::string& path, std::string_view stdinData) {
    Fd input(::memfd_create("stdin", MFD_CLOEXEC));
    if (!input) return errno;
    for (std::string_view rest = stdinData; !rest.empty();) {
        const ssize_t n = ::write(input.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::lseek(input.get(), 0, SEEK_SET) != 0) return errno;
    Fd savedStdin(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
    if (!savedStdin) return errno;
    if (::dup2(input.get(), STDIN_FILENO) < 0) return errno;  // dup2 leaves the new fd 0 inheritable
    char* const argv[] = {const_cast<char*>(path.c_str()), nullptr};
    ::execve(path.c_str(), argv, environ);
    const int err = errno;
    ::dup2(savedStdin.get(), STDIN_FILENO);
    return err;
}

}  // namespace ibvf::linux
