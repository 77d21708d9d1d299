#pragma once
// The entry point of a CNI binary: env + stdin in, one result or one error out.
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "cni/Env.hpp"
#include "cni/NetConf.hpp"
#include "cni/Result.hpp"

namespace ibvf::cni {

struct Request {
    Env env;
    NetConf conf;
};

class Plugin {
public:
    virtual ~Plugin() = default;
    virtual Result add(const Request& req) = 0;
    virtual void del(const Request& req) = 0;
    virtual void check(const Request& req) = 0;
    // Throw Error(PluginNotAvailable / LimitedConnectivity) when not ready.
    virtual void status(const Request& req) = 0;
    virtual void gc(const Request& req, const std::vector<Attachment>& valid) = 0;
    // CNI_ARGS keys this plugin understands; others are an error unless IgnoreUnknown=1.
    virtual std::vector<std::string_view> knownCniArgs() const { return {}; }
    // Called once the config is parsed, before the command runs (logging set-up lives here).
    virtual void configure(const Request&) {}
};

struct IoStreams {
    std::string_view stdinText;
    std::ostream& out;
};

// Runs one CNI invocation. Returns the process exit code (0, or 1 after writing an error JSON).
// ADD prints the result in the config's version; DEL/CHECK/STATUS/GC print nothing on success;
// VERSION prints {"cniVersion", "supportedVersions"}. Any exception is turned into the error JSON
// here and nowhere else (non-cni exceptions become code 100 with the exception's text as msg).
int dispatch(Plugin& plugin, const EnvLookup& env, const IoStreams& io);

// dispatch() with the output collected in `out` (the error JSON on failure) instead of a stream.
int dispatchToString(Plugin& plugin, const EnvLookup& env, std::string_view stdinText, std::string& out);

// main() helper: reads all of stdin, uses the process environment and stdout. `onInput`, when
// given, sees stdin before the dispatch: a binary that leaves some configs to another program
// execs it there (ibvf-ipam hands etcd configs to ibvf-ipam-etcd).
// Run by a person (no CNI_COMMAND), it reads no stdin: `--version` and `--help` answer on
// stdout, no argument prints the about text on stderr as the reference plugins do, exit 0.
using InputHook = void (*)(std::string_view stdinText);
int runMain(std::string_view program, int argc, const char* const* argv, Plugin& plugin, InputHook onInput = nullptr);

// "CNI <program> plugin version 0.1.0 (commit ...)" and the CNI versions it speaks, one a line.
std::string aboutText(std::string_view program);

std::string errorJson(std::string_view cniVersion, const class Error& error);

}  // namespace ibvf::cni
