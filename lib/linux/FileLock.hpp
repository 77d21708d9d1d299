#pragma once
// flock(2)-based exclusive locks with a timeout. The lock file stays (removing it would race
// with a waiter that already opened it); the lock is released when the object dies, or when the
// holding process dies however it dies. A contended wait blocks in the kernel (see FileLock.cpp),
// so a waiter gets the lock as soon as it is released, not at its next poll. A wait that timed
// out leaves its blocked helper behind; if the lock is released while the process still lives,
// that helper takes it and drops it at once (a microsecond window in which others see it held).
// The descriptor is O_CLOEXEC: a forked child shares the lock only until it execs or exits.
#include <chrono>
#include <filesystem>
#include <optional>

#include "linux/Fd.hpp"

namespace ibvf::linux {

class FileLock {
public:
    // Shared holders exclude only exclusive ones (LOCK_SH): many ADDs at once, none during the
    // part of a GC that must see no ADD in flight.
    enum class Mode { Exclusive, Shared };

    // Creates parent directories (0700) and the file (0600) as needed. Returns nullopt on
    // timeout (a zero timeout tries once), throws KernelError naming the path on any other failure.
    static std::optional<FileLock> tryAcquire(const std::filesystem::path& path, std::chrono::milliseconds timeout,
                                              Mode mode = Mode::Exclusive);
    const std::filesystem::path& path() const { return path_; }

private:
    FileLock(Fd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::filesystem::path path_;
};

}  // namespace ibvf::linux
