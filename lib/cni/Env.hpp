#pragma once
// The CNI_* environment, parsed and validated per command (spec section "Parameters").
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ibvf::cni {

enum class Command { Add, Del, Check, Status, Gc, Version };

std::optional<Command> parseCommand(std::string_view text);
std::string_view toString(Command c);

// CNI_ARGS: "K=V;K=V". IgnoreUnknown is recorded, not returned as a pair.
struct CniArgs {
    std::vector<std::pair<std::string, std::string>> pairs;
    bool ignoreUnknown = false;
    std::optional<std::string> get(std::string_view key) const;
};
// Throws Error(InvalidEnvironment) on a malformed pair (no '=', empty key), a control character
// in a key or value, or a K8S_POD_* value with '/' or longer than 253 bytes.
CniArgs parseCniArgs(std::string_view text);

struct Env {
    Command command = Command::Version;
    std::string containerId;
    std::string netns;  // may be empty on DEL
    std::string ifname;
    CniArgs args;
    std::vector<std::string> path;  // CNI_PATH split on ':'
};

using EnvLookup = std::function<const char*(const char*)>;

// Validates what the command needs: ADD/CHECK need CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME;
// DEL needs CNI_CONTAINERID and CNI_IFNAME; GC/STATUS/VERSION need none of them.
// Container IDs must match [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 bytes; interface names must be
// valid Linux names (1..15 bytes, no '/', ':', whitespace, not "." or "..") without control
// characters. Violations -> InvalidEnvironment.
Env parseEnv(const EnvLookup& lookup);

bool isValidInterfaceName(std::string_view name);
bool isValidContainerId(std::string_view id);
// Why a name/ID is invalid (for error details), or an empty string when it is valid.
std::string interfaceNameProblem(std::string_view name);
std::string containerIdProblem(std::string_view id);

}  // namespace ibvf::cni
