#pragma once
// Runs one of the built binaries the way a container runtime does: no shell, a chosen
// environment (CNI_COMMAND, CNI_NETNS, ...), the netconf on stdin; returns what came back.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "linux/ChildProcess.hpp"

namespace ibvf::test {

struct RunResult {
    int exitCode = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
    std::optional<rapidjson::Document> json;  // stdout, when it parses as JSON

    // "exit 1; stdout: ...; stderr: ..." for CHECK messages.
    std::string summary() const;
};

// A binary started and not waited for yet (BinaryRunner::start), e.g. to signal it meanwhile.
class RunningBinary {
public:
    explicit RunningBinary(linux::ChildProcess child) : child_(std::move(child)) {}
    pid_t pid() const { return child_.pid(); }
    // Feeds the rest of stdin, collects the output, reaps. Call once.
    RunResult wait();

private:
    linux::ChildProcess child_;  // killed and reaped if never waited for
};

// IBVF_BUILD_DIR "/<name>", e.g. builtBinary("ibvf").
std::string builtBinary(std::string_view name);

class BinaryRunner {
public:
    // `binary`: a name in the build directory ("ibvf", "ibvf-ipam") or an absolute path.
    explicit BinaryRunner(std::string binary);
    const std::string& path() const { return path_; }

    // The child's environment is `env` plus, unless `env` sets them, PATH and every IBVF_*
    // variable of this test process (so e.g. IBVF_SYSFS_ROOT set for the whole run reaches
    // the binary); nothing else is inherited.
    RunResult run(const std::map<std::string, std::string>& env, const std::string& stdinText) const;
    // The same with command-line arguments (a CNI plugin gets none; ibvf-diag does).
    RunResult run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  const std::string& stdinText = {}) const;
    // Started in the background, with the same environment rules.
    RunningBinary start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                        const std::string& stdinText = {}) const;

private:
    std::string path_;
};

}  // namespace ibvf::test
