#include "log/SharedRotatingFileSink.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ibvf::log {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

std::filesystem::path numbered(const std::filesystem::path& path, unsigned n) {
    return path.string() + "." + std::to_string(n);
}

}  // namespace

SharedRotatingFileSink::SharedRotatingFileSink(std::filesystem::path path, std::size_t maxBytes, unsigned keep)
    : path_(std::move(path)), maxBytes_(maxBytes), keep_(keep == 0 ? 1 : keep) {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    open();
}

void SharedRotatingFileSink::open() {
    fd_ = kernel::Fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd_) fail("open log file " + path_.string());
}

void SharedRotatingFileSink::sink_it_(const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(fd_.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // a full disk must not fail the CNI command
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    struct stat st {};
    if (::fstat(fd_.get(), &st) == 0 && static_cast<std::size_t>(st.st_size) > maxBytes_) rotateIfStillTooBig();
}

void SharedRotatingFileSink::rotateIfStillTooBig() {
    const std::filesystem::path lockPath = path_.string() + ".lock";
    kernel::Fd lock(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!lock || ::flock(lock.get(), LOCK_EX) != 0) return;
    struct stat mine {};
    struct stat named {};
    const bool sameFile = ::fstat(fd_.get(), &mine) == 0 && ::stat(path_.c_str(), &named) == 0 &&
                          mine.st_ino == named.st_ino && mine.st_dev == named.st_dev;
    if (sameFile && static_cast<std::size_t>(named.st_size) > maxBytes_) {
        for (unsigned n = keep_; n > 1; --n) ::rename(numbered(path_, n - 1).c_str(), numbered(path_, n).c_str());
        ::rename(path_.c_str(), numbered(path_, 1).c_str());
    }
    // Rotated by us or by another process in the meantime: either way, write to the new file.
    if (!sameFile || static_cast<std::size_t>(named.st_size) > maxBytes_) open();
    ::flock(lock.get(), LOCK_UN);
}

}  // namespace ibvf::log
