#include "cni/Dispatch.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cli/Version.hpp"
#include "cni/Error.hpp"

namespace ibvf::cni {
namespace {

bool isBlank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string versionJson(std::string_view cniVersion) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("cniVersion");
    w.String(cniVersion.data(), static_cast<rapidjson::SizeType>(cniVersion.size()));
    w.Key("supportedVersions");
    w.StartArray();
    for (const auto v : supportedVersionStrings()) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

// VERSION is how a runtime discovers what we speak, so it answers even for a config version we
// do not support (with our latest); only unparsable input is an error.
std::string_view versionForVersionCommand(std::string_view stdinText) {
    if (isBlank(stdinText)) return toString(kLatestVersion);
    try {
        return toString(parseNetConf(stdinText, false).version);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::IncompatibleVersion) throw;
        return toString(kLatestVersion);
    }
}

// The cniVersion an error is reported in when the config could not be fully parsed: the
// config's own if it names one we support, otherwise our latest.
std::string_view bestEffortVersion(std::string_view stdinText) {
    rapidjson::Document doc;
    // Iterative: no recursion on the nesting depth of the input (see cni/NetConf.cpp).
    doc.Parse<rapidjson::kParseIterativeFlag>(stdinText.data(), stdinText.size());
    if (!doc.HasParseError() && doc.IsObject()) {
        const auto it = doc.FindMember("cniVersion");
        if (it != doc.MemberEnd() && it->value.IsString()) {
            if (const auto v = parseVersion(std::string_view(it->value.GetString(), it->value.GetStringLength()))) {
                return toString(*v);
            }
        }
    }
    return toString(kLatestVersion);
}

void requireCommandSupported(Command command, Version version) {
    Version minimum = Version::V0_3_0;
    if (command == Command::Check) minimum = Version::V0_4_0;
    if (command == Command::Gc || command == Command::Status) minimum = Version::V1_1_0;
    if (version < minimum) {
        throw Error(ErrorCode::IncompatibleVersion,
                    std::string(toString(command)) + " is not supported by cniVersion " + std::string(toString(version)),
                    std::string(toString(command)) + " needs cniVersion " + std::string(toString(minimum)) + " or later");
    }
}

void checkCniArgs(const Plugin& plugin, const CniArgs& args) {
    if (args.ignoreUnknown || args.pairs.empty()) return;
    const auto known = plugin.knownCniArgs();
    for (const auto& [key, value] : args.pairs) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            throw Error(ErrorCode::InvalidEnvironment, "unknown CNI_ARGS key " + key,
                        "set IgnoreUnknown=1 in CNI_ARGS to ignore keys this plugin does not use");
        }
    }
}

// Returns what goes to stdout on success.
std::string run(Plugin& plugin, const EnvLookup& envLookup, std::string_view stdinText, std::string& errorVersion) {
    Env env = parseEnv(envLookup);
    if (env.command == Command::Version) {
        const auto v = versionForVersionCommand(stdinText);
        errorVersion = v;
        return versionJson(v);
    }

    NetConf conf = parseNetConf(stdinText);
    errorVersion = conf.cniVersion;
    requireCommandSupported(env.command, conf.version);
    checkCniArgs(plugin, env.args);

    const Request req{std::move(env), std::move(conf)};
    plugin.configure(req);
    switch (req.env.command) {
        case Command::Add:
            return toJson(plugin.add(req), req.conf.version);
        case Command::Del:
            plugin.del(req);
            break;
        case Command::Check:
            plugin.check(req);
            break;
        case Command::Status:
            plugin.status(req);
            break;
        case Command::Gc:
            plugin.gc(req, validAttachments(req.conf));
            break;
        case Command::Version:
            break;  // answered above
    }
    return {};
}

// Reads all of fd 0. A closed stdin reads as empty (VERSION may be run that way).
std::string readStdin() {
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n == 0 || errno == EBADF) {  // end of input, or no stdin at all
            return text;
        } else {
            throw Error(ErrorCode::IoFailure, "failed to read the network configuration from stdin", std::strerror(errno));
        }
    }
}

bool writeAll(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

std::string errorJson(std::string_view cniVersion, const Error& error) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("cniVersion");
    w.String(cniVersion.data(), static_cast<rapidjson::SizeType>(cniVersion.size()));
    w.Key("code");
    w.Uint(static_cast<unsigned>(error.code()));
    w.Key("msg");
    w.String(error.msg().data(), static_cast<rapidjson::SizeType>(error.msg().size()));
    if (!error.details().empty()) {
        w.Key("details");
        w.String(error.details().data(), static_cast<rapidjson::SizeType>(error.details().size()));
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

int dispatchToString(Plugin& plugin, const EnvLookup& env, std::string_view stdinText, std::string& out) {
    // Empty until the config's version is known; then errors are reported in it.
    std::string errorVersion;
    auto fail = [&](const Error& e) {
        const std::string_view v = errorVersion.empty() ? bestEffortVersion(stdinText) : errorVersion;
        out = errorJson(v, e);
        return 1;
    };
    try {
        // Assigned only once the command has succeeded, so a failure never leaves half a result.
        out = run(plugin, env, stdinText, errorVersion);
    } catch (const Error& e) {
        return fail(e);
    } catch (const std::bad_alloc&) {
        return fail(Error(ErrorCode::SystemFailure, "out of memory"));
    } catch (const std::exception& e) {
        return fail(Error(ErrorCode::SystemFailure, e.what()));
    } catch (...) {
        return fail(Error(ErrorCode::SystemFailure, "unknown exception"));
    }
    return 0;
}

int dispatch(Plugin& plugin, const EnvLookup& env, const IoStreams& io) {
    std::string out;
    const int rc = dispatchToString(plugin, env, io.stdinText, out);
    io.out.write(out.data(), static_cast<std::streamsize>(out.size()));
    io.out.flush();
    return rc;
}

std::string aboutText(std::string_view program) {
    std::string text = "CNI " + std::string(program) + " plugin version " + std::string(cli::version()) + " (commit " +
                       std::string(cli::commit()) + ")\nCNI protocol versions supported: ";
    const auto versions = supportedVersionStrings();
    for (std::size_t i = 0; i < versions.size(); ++i) {
        if (i != 0) text += ", ";
        text += versions[i];
    }
    return text + "\n";
}

namespace {

// Without CNI_COMMAND nobody speaks the protocol: answer the person at the terminal. Returns the
// exit code, or -1 when this is a CNI call.
int answerPerson(std::string_view program, int argc, const char* const* argv) {
    const char* command = std::getenv("CNI_COMMAND");
    if (command != nullptr && *command != '\0') return -1;
    // The layout of every ibvf program's --help (lib/cli): what it is, then how it is run.
    const std::string usage = std::string(program) +
                              ": a CNI plugin: the container runtime runs it with CNI_COMMAND and the other CNI_*\n"
                              "variables set and the network configuration on stdin\n\nusage: " +
                              std::string(program) + " --version | --help\n";
    if (argc <= 1) {
        writeAll(STDERR_FILENO, aboutText(program));
        return 0;
    }
    const std::string_view arg = argv[1];
    if (argc == 2 && arg == "--version") return writeAll(STDOUT_FILENO, cli::versionLine(program)) ? 0 : 1;
    if (argc == 2 && (arg == "--help" || arg == "-h")) {
        return writeAll(STDOUT_FILENO, usage + "\n" + aboutText(program)) ? 0 : 1;
    }
    writeAll(STDERR_FILENO, std::string(program) + ": unknown argument \"" + std::string(arg) +
                                "\": a CNI plugin takes its input from CNI_* variables and stdin\n" + usage);
    return 2;
}

}  // namespace

int runMain(std::string_view program, int argc, const char* const* argv, Plugin& plugin, InputHook onInput) {
    if (const int rc = answerPerson(program, argc, argv); rc >= 0) return rc;
    // No std::ostream here: constructing one initialises the C++ locale machinery, a visible
    // share of a VERSION call's run time.
    std::string out;
    int rc = 1;
    try {
        std::string in;
        try {
            in = readStdin();
        } catch (const Error& e) {
            writeAll(STDOUT_FILENO, errorJson(toString(kLatestVersion), e));
            return 1;
        }
        if (onInput) onInput(in);
        rc = dispatchToString(
            plugin, [](const char* name) -> const char* { return std::getenv(name); }, in, out);
    } catch (const std::bad_alloc&) {
        // Building the error JSON itself ran out of memory: emit a fixed one.
        writeAll(STDOUT_FILENO, R"({"cniVersion":"1.1.0","code":100,"msg":"out of memory"})");
        return 1;
    }
    if (!writeAll(STDOUT_FILENO, out)) return 1;
    return rc;
}

}  // namespace ibvf::cni
