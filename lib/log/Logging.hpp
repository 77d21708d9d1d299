#pragma once
// Logging for the CNI binaries: stdout belongs to the CNI result, so logs go to a file (when the
// config names one) or stderr, through spdlog. Every line carries the attachment it is about.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ibvf::log {

struct LogOptions {
    std::string program;               // "ibvf", "ibvf-ipam"
    std::optional<std::string> level;  // trace|debug|info|warn|error|off (invalid -> warning, "info")
    // From a network config (written by namespace users): only a file inside the log directory,
    // LogPath.hpp; anything else is refused with a warning and the default file is used.
    std::optional<std::string> file;
    std::string context;  // e.g. "cid=1234abcd if=net1"; added to every line
    // Without `file`: log to <IBVF_LOG_DIR or /var/log/ibvf>/<program>.log at info (what helps on
    // a node), falling back to stderr when that cannot be opened. The CNI binaries ask for this;
    // the device plugin, a pod's process, logs to stderr for `kubectl logs`.
    bool defaultFile = false;
    // `file` comes from the command line of a daemon the cluster admin runs (ibvf-device-plugin
    // --log-file): opened where it is named, its directory created.
    bool fileTrusted = false;
};

// Log files are rotated at this size, keeping <file>.1 .. <file>.<kLogFilesKept>.
inline constexpr std::size_t kLogFileMaxBytes = std::size_t{10} * 1024 * 1024;
inline constexpr unsigned kLogFilesKept = 5;

// <IBVF_LOG_DIR or /var/log/ibvf>/<program>.log
std::string defaultLogFile(std::string_view program);

// Replaces spdlog's default logger (which would write to stdout). Safe to call more than once.
// Without a file, only warnings and errors reach stderr unless `level` says otherwise. A refused
// or unopenable `file` falls back to the default file (then stderr) with a warning naming it; it
// never fails the CNI command. Files are rotated
// (SharedRotatingFileSink) and shared safely by concurrent processes.
void setup(const LogOptions& options);

// Adds to the per-line context once known (e.g. the VF after resolution).
void appendContext(std::string_view more);

}  // namespace ibvf::log
