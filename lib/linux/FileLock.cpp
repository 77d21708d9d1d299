#include "linux/FileLock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::linux {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How a contended acquire waits. flock() has no timed form; a blocking flock() is woken by the
// kernel the moment the holder lets go (also when the holder dies), which is what we want, but
// only a signal can interrupt it, and a library must not take over a signal. So the blocking
// flock() runs in a short-lived helper thread on a duplicate of the descriptor, and the caller
// waits for it with a deadline. On timeout the helper is abandoned: if it is granted the lock
// later it drops it at once. The uncontended path takes no thread at all.
// Rejected: polling with LOCK_NB (each hand-over costs up to one back-off step, which adds up
// when many ADDs queue on one lock) and inotify on the lock file (closing an inotify instance
// waits for an SRCU grace period, milliseconds). Polling remains the fallback when no thread
// can be started.
namespace {

bool tryLockNow(int fd, const fs::path& path, int op) {
    for (;;) {
        if (::flock(fd, op | LOCK_NB) == 0) return true;
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return false;
        throw KernelError(errno, "flock " + path.string());
    }
}

struct BlockingWait {
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;   // the helper's flock() returned
    int err = 0;             // its errno; 0 when the lock was granted
    bool abandoned = false;  // the caller gave up, whatever the helper gets it must drop
};

void blockingFlock(const std::shared_ptr<BlockingWait>& state, Fd fd, int op) {
    int rc = 0;
    do {
        rc = ::flock(fd.get(), op);
    } while (rc != 0 && errno == EINTR);
    const int err = rc == 0 ? 0 : errno;
    const std::lock_guard<std::mutex> guard(state->mutex);
    if (state->abandoned) {
        // The lock belongs to the open file description; the caller has already closed its
        // descriptor, so this one is the last reference.
        if (rc == 0) ::flock(fd.get(), LOCK_UN);
        return;
    }
    state->finished = true;
    state->err = err;
    state->done.notify_one();
}

enum class Outcome { Acquired, TimedOut, NoThread };

Outcome waitInHelperThread(int fd, const fs::path& path, Clock::time_point deadline, int op) {
    Fd dup(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!dup) throw KernelError(errno, "dup lock descriptor of " + path.string());
    auto state = std::make_shared<BlockingWait>();
    try {
        std::thread(blockingFlock, state, std::move(dup), op).detach();
    } catch (const std::system_error&) {
        return Outcome::NoThread;
    }
    std::unique_lock<std::mutex> lock(state->mutex);
    if (!state->done.wait_until(lock, deadline, [&] { return state->finished; })) {
        state->abandoned = true;
        return Outcome::TimedOut;
    }
    if (state->err != 0) throw KernelError(state->err, "flock " + path.string());
    return Outcome::Acquired;
}

// Back-off from 0.2 ms doubling to 5 ms: bounded hand-over delay, negligible CPU while waiting.
bool pollUntil(int fd, const fs::path& path, Clock::time_point deadline, int op) {
    std::chrono::microseconds backoff(200);
    for (;;) {
        if (tryLockNow(fd, path, op)) return true;
        const auto now = Clock::now();
        if (now >= deadline) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(backoff, deadline - now));
        backoff = std::min(backoff * 2, std::chrono::microseconds(5000));
    }
}

}  // namespace

std::optional<FileLock> FileLock::tryAcquire(const fs::path& path, std::chrono::milliseconds timeout, Mode mode) {
    const auto deadline = Clock::now() + timeout;
    const int op = mode == Mode::Shared ? LOCK_SH : LOCK_EX;
    if (path.has_parent_path()) makeDirectories(path.parent_path(), 0700);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
    if (!fd) throw KernelError(errno, "open lock file " + path.string());

    if (tryLockNow(fd.get(), path, op)) return FileLock(std::move(fd), path);
    if (Clock::now() >= deadline) return std::nullopt;

    switch (waitInHelperThread(fd.get(), path, deadline, op)) {
        case Outcome::Acquired:
            return FileLock(std::move(fd), path);
        case Outcome::TimedOut:
            return std::nullopt;
        case Outcome::NoThread:
            break;
    }
    if (pollUntil(fd.get(), path, deadline, op)) return FileLock(std::move(fd), path);
    return std::nullopt;
}

}  // namespace ibvf::linux
