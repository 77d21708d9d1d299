#pragma once
// A log file that many short-lived processes append to at once (every CNI call is a process) and
// that stays bounded: when it grows past `maxBytes` it becomes <file>.1 (.1 becomes .2, ... up to
// `keep`). Rotation happens under an flock on <file>.lock and only if the file is still the one
// this process writes to and still too big, so two processes never rotate the same file twice
// and no line is lost. Lines are written with one O_APPEND write() each, so they never interleave.
// Every name (the file, <file>.lock, <file>.N) is opened and renamed relative to the directory's
// fd, never following a symlink (linux::openBeneath): the sink cannot be steered out of it.
// Control bytes in a line (a crafted name in a message) are written as \xNN: one line per event.
#include <cstddef>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

#include "linux/Fd.hpp"

namespace ibvf::log {

class SharedRotatingFileSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // Creates `name` (one file name, no '/') in the directory `dir` if missing; throws
    // std::system_error naming it when it cannot be opened or is not a regular file of its own.
    SharedRotatingFileSink(linux::Fd dir, std::string name, std::size_t maxBytes, unsigned keep);

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    void open();
    void rotateIfStillTooBig();

    linux::Fd dir_;
    std::string name_;
    std::size_t maxBytes_;
    unsigned keep_;
    linux::Fd fd_;
};

}  // namespace ibvf::log
