#pragma once
// Where a logFile from a network config may be written. A NetworkAttachmentDefinition is written
// by namespace users and ibvf runs as root, so the path is only ever a file inside the log
// directory (node::logDir()): a bare name or a path beneath it. This is the lexical half of the
// policy; the kernel half (no symlink followed, nothing created outside the directory) is
// opening it with linux::openBeneath relative to the directory's fd.
#include <cstddef>
#include <string>
#include <string_view>

#include "linux/Beneath.hpp"

namespace ibvf::log {

// Subdirectories a logFile may name beneath the log directory ("team-a/x.log" is depth 1).
inline constexpr std::size_t kMaxLogSubdirs = 4;
inline constexpr std::size_t kMaxLogPathBytes = 1024;

// `configured` is accepted when it is a relative path without "..", or an absolute path that
// starts with `logDir` + "/"; bounded in length and depth, with no control character. The
// relative path is "ibvf.log" or "a/b.log"; the refusal says why, for the warning.
linux::PathBeneath confineLogPath(std::string_view configured, std::string_view logDir);

// `text` safe to put into one log line: control bytes as \xNN, at most `maxBytes` (then "...").
std::string printable(std::string_view text, std::size_t maxBytes = 256);

}  // namespace ibvf::log
