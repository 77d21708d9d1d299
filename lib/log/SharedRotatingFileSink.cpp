#include "log/SharedRotatingFileSink.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "linux/Beneath.hpp"

namespace ibvf::log {
namespace {

[[noreturn]] void fail(int err, const std::string& what) { throw std::system_error(err, std::generic_category(), what); }

std::string numbered(const std::string& name, unsigned n) { return name + "." + std::to_string(n); }

// The line with every control byte but the final newline (and tab) written as \xNN.
void escapeControls(spdlog::memory_buf_t& line) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::size_t body = line.size() > 0 && line[line.size() - 1] == '\n' ? line.size() - 1 : line.size();
    bool clean = true;
    for (std::size_t i = 0; i < body && clean; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        clean = !((c < 0x20 && c != '\t') || c == 0x7f);
    }
    if (clean) return;
    spdlog::memory_buf_t out;
    for (std::size_t i = 0; i < body; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
            out.append(esc, esc + 4);
        } else {
            out.push_back(line[i]);
        }
    }
    if (body < line.size()) out.push_back('\n');
    line.clear();
    line.append(out.data(), out.data() + out.size());
}

}  // namespace

SharedRotatingFileSink::SharedRotatingFileSink(linux::Fd dir, std::string name, std::size_t maxBytes, unsigned keep)
    : dir_(std::move(dir)), name_(std::move(name)), maxBytes_(maxBytes), keep_(keep == 0 ? 1 : keep) {
    if (name_.empty() || name_.find('/') != std::string::npos) fail(EINVAL, "log file name '" + name_ + "'");
    open();
}

void SharedRotatingFileSink::open() {
    // O_NONBLOCK: a FIFO in its place fails (ENXIO) instead of blocking the CNI command.
    linux::Fd fd = linux::openBeneath(dir_.get(), name_, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK, 0640);
    if (!fd) fail(errno, "open log file " + name_);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail(errno, "stat log file " + name_);
    // A hard link would make appends (and the rotation's rename) reach a file named elsewhere.
    if (!S_ISREG(st.st_mode) || st.st_nlink > 1) fail(EPERM, "log file " + name_ + " is not a regular file of its own");
    fd_ = std::move(fd);
}

void SharedRotatingFileSink::sink_it_(const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    escapeControls(line);
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
    const linux::Fd lock = linux::openBeneath(dir_.get(), name_ + ".lock", O_RDWR | O_CREAT | O_NONBLOCK, 0640);
    if (!lock || ::flock(lock.get(), LOCK_EX) != 0) return;
    struct stat mine {};
    struct stat named {};
    const bool sameFile = ::fstat(fd_.get(), &mine) == 0 && ::fstatat(dir_.get(), name_.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
                          mine.st_ino == named.st_ino && mine.st_dev == named.st_dev;
    if (sameFile && static_cast<std::size_t>(named.st_size) > maxBytes_) {
        // renameat never follows a symlink in the last component: a planted one is replaced.
        for (unsigned n = keep_; n > 1; --n) {
            ::renameat(dir_.get(), numbered(name_, n - 1).c_str(), dir_.get(), numbered(name_, n).c_str());
        }
        ::renameat(dir_.get(), name_.c_str(), dir_.get(), numbered(name_, 1).c_str());
    }
    // Rotated by us or by another process in the meantime: either way, write to the new file.
    if (!sameFile || static_cast<std::size_t>(named.st_size) > maxBytes_) {
        try {
            open();
        } catch (const std::system_error&) {
            // Keep writing to the file we have: a log must never fail the command.
        }
    }
    ::flock(lock.get(), LOCK_UN);
}

}  // namespace ibvf::log
