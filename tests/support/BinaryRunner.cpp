#include "support/BinaryRunner.hpp"

#include <unistd.h>
#include <vector>

#include "linux/ChildProcess.hpp"

extern char** environ;

namespace ibvf::test {

std::string builtBinary(std::string_view name) { return std::string(IBVF_BUILD_DIR) + "/" + std::string(name); }

std::string RunResult::summary() const {
    std::string s = signal ? "killed by signal " + std::to_string(signal) : "exit " + std::to_string(exitCode);
    s += "; stdout: " + (out.empty() ? std::string("(empty)") : out);
    s += "; stderr: " + (err.empty() ? std::string("(empty)") : err);
    return s;
}

BinaryRunner::BinaryRunner(std::string binary)
    : path_(!binary.empty() && binary.front() == '/' ? std::move(binary) : builtBinary(binary)) {}

RunResult BinaryRunner::run(const std::map<std::string, std::string>& env, const std::string& stdinText) const {
    return run({}, env, stdinText);
}

RunResult BinaryRunner::run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                            const std::string& stdinText) const {
    return start(args, env, stdinText).wait();
}

RunningBinary BinaryRunner::start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                                  const std::string& stdinText) const {
    std::map<std::string, std::string> merged = env;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view kv(*e);
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string key(kv.substr(0, eq));
        if (key == "PATH" || key.rfind("IBVF_", 0) == 0) merged.emplace(key, std::string(kv.substr(eq + 1)));
    }
    std::vector<std::string> envList;
    envList.reserve(merged.size());
    for (const auto& [k, v] : merged) envList.push_back(k + "=" + v);
    return RunningBinary(linux::ChildProcess::spawn(path_, args, envList, stdinText));
}

RunResult RunningBinary::wait() {
    const linux::ProcessResult p = child_.wait();
    RunResult r;
    r.exitCode = p.exitCode;
    r.signal = p.signal;
    r.out = p.out;
    r.err = p.err;
    rapidjson::Document doc;
    if (!r.out.empty() && !doc.Parse(r.out.c_str()).HasParseError()) r.json = std::move(doc);
    return r;
}

}  // namespace ibvf::test
