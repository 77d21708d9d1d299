#include "cni/Env.hpp"

#include <array>

#include "cni/Error.hpp"

namespace ibvf::cni {
namespace {

constexpr std::array<std::pair<std::string_view, Command>, 6> kCommands = {{
    {"ADD", Command::Add},
    {"DEL", Command::Del},
    {"CHECK", Command::Check},
    {"STATUS", Command::Status},
    {"GC", Command::Gc},
    {"VERSION", Command::Version},
}};

// IFNAMSIZ is 16 including the terminating NUL.
constexpr std::size_t kMaxInterfaceName = 15;

// The bytes the kernel's isspace() accepts (dev_valid_name rejects them), including Latin-1 NBSP.
bool isKernelSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0; }

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Container IDs and network names key files and log lines: bounded like a file name.
constexpr std::size_t kMaxContainerId = 255;
// Kubernetes names (a DNS subdomain at most) and UIDs: what K8S_POD_* can legitimately carry.
constexpr std::size_t kMaxPodValue = 253;

// Why a CNI_ARGS pair cannot be used, or empty. Values reach log lines (and may reach names of
// files), so none may carry a control byte, and the pod's identity may not carry '/'.
std::string cniArgsPairProblem(std::string_view key, std::string_view value) {
    for (const char c : key) {
        if (isControl(static_cast<unsigned char>(c))) return "has a control character in its key";
    }
    for (const char c : value) {
        if (isControl(static_cast<unsigned char>(c))) return "has a control character in its value";
    }
    if (key.substr(0, 8) == "K8S_POD_") {
        if (value.size() > kMaxPodValue) return "is longer than " + std::to_string(kMaxPodValue) + " bytes";
        if (value.find('/') != std::string_view::npos) return "contains '/'";
    }
    return {};
}

bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string quoted(std::string_view s) {
    std::string q;
    q.reserve(s.size() + 2);
    q += '"';
    q.append(s);
    q += '"';
    return q;
}

// Missing and empty are treated alike: runtimes export every CNI_* variable, empty when unused.
std::string lookupString(const EnvLookup& lookup, const char* name) {
    const char* v = lookup(name);
    return v ? std::string(v) : std::string();
}

std::string requireVar(const EnvLookup& lookup, const char* name, Command command) {
    std::string v = lookupString(lookup, name);
    if (v.empty()) {
        throw Error(ErrorCode::InvalidEnvironment, std::string(name) + " is required",
                    std::string(toString(command)) + " needs " + name + " to be set and non-empty");
    }
    return v;
}

std::vector<std::string> splitPath(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto colon = text.find(':');
        const auto part = text.substr(0, colon);
        if (!part.empty()) out.emplace_back(part);
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
    }
    return out;
}

}  // namespace

std::optional<Command> parseCommand(std::string_view text) {
    for (const auto& [name, cmd] : kCommands) {
        if (name == text) return cmd;
    }
    return std::nullopt;
}

std::string_view toString(Command c) {
    for (const auto& [name, cmd] : kCommands) {
        if (cmd == c) return name;
    }
    return "UNKNOWN";
}

std::optional<std::string> CniArgs::get(std::string_view key) const {
    // The last occurrence wins, as when the Go plugins load CNI_ARGS into a struct.
    for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
        if (it->first == key) return it->second;
    }
    return std::nullopt;
}

CniArgs parseCniArgs(std::string_view text) {
    CniArgs args;
    std::size_t index = 0;
    while (!text.empty()) {
        const auto semi = text.find(';');
        const auto pair = text.substr(0, semi);
        // Empty segments ("a=b;;c=d", a trailing ';') carry nothing; tolerate them.
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos || eq == 0) {
                throw Error(
                    ErrorCode::InvalidEnvironment, "invalid CNI_ARGS",
                    "pair " + std::to_string(index) + " (" + quoted(pair) + ") " + (eq == 0 ? "has an empty key" : "is not KEY=VALUE"));
            }
            const auto key = pair.substr(0, eq);
            const auto value = pair.substr(eq + 1);
            if (const auto why = cniArgsPairProblem(key, value); !why.empty()) {
                // The pair is not echoed: its control bytes would reach the runtime's log.
                throw Error(ErrorCode::InvalidEnvironment, "invalid CNI_ARGS",
                            "pair " + std::to_string(index) + " " + why +
                                "; the runtime must pass pod names, namespaces and IDs as Kubernetes gives them");
            }
            if (key == "IgnoreUnknown") {
                if (value == "1" || equalsIgnoreCase(value, "true")) {
                    args.ignoreUnknown = true;
                } else if (value == "0" || equalsIgnoreCase(value, "false")) {
                    args.ignoreUnknown = false;
                } else {
                    throw Error(ErrorCode::InvalidEnvironment, "invalid CNI_ARGS",
                                "IgnoreUnknown must be 1, 0, true or false, not " + quoted(value));
                }
            } else {
                args.pairs.emplace_back(std::string(key), std::string(value));
            }
        }
        ++index;
        if (semi == std::string_view::npos) break;
        text.remove_prefix(semi + 1);
    }
    return args;
}

std::string interfaceNameProblem(std::string_view name) {
    if (name.empty()) return "is empty";
    if (name.size() > kMaxInterfaceName) {
        return "is " + std::to_string(name.size()) + " bytes long; Linux allows at most " + std::to_string(kMaxInterfaceName);
    }
    if (name == "." || name == "..") return "is a reserved name";
    for (char c : name) {
        if (c == '/') return "contains '/'";
        if (c == ':') return "contains ':'";
        if (isKernelSpace(static_cast<unsigned char>(c))) return "contains whitespace";
        if (isControl(static_cast<unsigned char>(c))) return "contains a control character";
    }
    return {};
}

std::string containerIdProblem(std::string_view id) {
    if (id.empty()) return "is empty";
    if (id.size() > kMaxContainerId) {
        return "is " + std::to_string(id.size()) + " bytes long; at most " + std::to_string(kMaxContainerId) + " are allowed";
    }
    if (!isAlnum(id.front())) return "must start with a letter or digit";
    for (char c : id) {
        if (!isAlnum(c) && c != '_' && c != '.' && c != '-') {
            return "may contain only letters, digits, '_', '.' and '-'";
        }
    }
    return {};
}

bool isValidInterfaceName(std::string_view name) { return interfaceNameProblem(name).empty(); }
bool isValidContainerId(std::string_view id) { return containerIdProblem(id).empty(); }

Env parseEnv(const EnvLookup& lookup) {
    Env env;
    const std::string commandText = lookupString(lookup, "CNI_COMMAND");
    if (commandText.empty()) {
        throw Error(ErrorCode::InvalidEnvironment, "CNI_COMMAND is required", "set it to ADD, DEL, CHECK, STATUS, GC or VERSION");
    }
    const auto command = parseCommand(commandText);
    if (!command) {
        throw Error(ErrorCode::InvalidEnvironment, "unknown CNI_COMMAND " + quoted(commandText),
                    "expected ADD, DEL, CHECK, STATUS, GC or VERSION");
    }
    env.command = *command;
    // VERSION must answer whatever else the environment holds.
    if (env.command == Command::Version) return env;

    const bool perAttachment = env.command == Command::Add || env.command == Command::Check || env.command == Command::Del;
    if (perAttachment) {
        env.containerId = requireVar(lookup, "CNI_CONTAINERID", env.command);
        if (auto why = containerIdProblem(env.containerId); !why.empty()) {
            throw Error(ErrorCode::InvalidEnvironment, "invalid CNI_CONTAINERID " + quoted(env.containerId), "container ID " + why);
        }
        // DEL must work after the namespace is gone, when runtimes pass an empty CNI_NETNS.
        env.netns = env.command == Command::Del ? lookupString(lookup, "CNI_NETNS") : requireVar(lookup, "CNI_NETNS", env.command);
        env.ifname = requireVar(lookup, "CNI_IFNAME", env.command);
        if (auto why = interfaceNameProblem(env.ifname); !why.empty()) {
            throw Error(ErrorCode::InvalidEnvironment, "invalid CNI_IFNAME " + quoted(env.ifname), "interface name " + why);
        }
    }
    env.args = parseCniArgs(lookupString(lookup, "CNI_ARGS"));
    env.path = splitPath(lookupString(lookup, "CNI_PATH"));
    return env;
}

}  // namespace ibvf::cni
