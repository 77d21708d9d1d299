#include "log/LogPath.hpp"

#include <cstdlib>
#include <vector>

namespace ibvf::log {
namespace {

constexpr std::size_t kMaxNameBytes = 255;  // NAME_MAX

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

LogPathDecision refuse(std::string why) { return {{}, std::move(why)}; }

std::string_view withoutTrailingSlashes(std::string_view dir) {
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    return dir;
}

}  // namespace

std::string logDirectory() {
    const char* dir = std::getenv("IBVF_LOG_DIR");
    return std::string(withoutTrailingSlashes((dir != nullptr && *dir != '\0') ? dir : kDefaultLogDir));
}

LogPathDecision confineLogPath(std::string_view configured, std::string_view logDir) {
    if (configured.empty()) return refuse("it is empty");
    if (configured.size() > kMaxLogPathBytes) return refuse("it is longer than " + std::to_string(kMaxLogPathBytes) + " bytes");
    for (const char c : configured) {
        if (isControl(static_cast<unsigned char>(c))) return refuse("it contains a control character");
    }
    std::string_view rest = configured;
    if (rest.front() == '/') {
        const std::string_view dir = withoutTrailingSlashes(logDir);
        const std::string prefix = dir == "/" ? std::string("/") : std::string(dir) + "/";
        if (rest.substr(0, prefix.size()) != prefix) {
            return refuse("it is outside the log directory " + std::string(dir));
        }
        rest.remove_prefix(prefix.size());
    }
    std::vector<std::string_view> names;
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto name = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (name.empty() || name == ".") continue;
        if (name == "..") return refuse("it contains \"..\"");
        if (name.size() > kMaxNameBytes) return refuse("a name in it is longer than 255 bytes");
        names.push_back(name);
    }
    if (names.empty()) return refuse("it names the log directory itself, not a file in it");
    if (names.size() > kMaxLogSubdirs + 1) {
        return refuse("it is more than " + std::to_string(kMaxLogSubdirs) + " directories deep");
    }
    // A trailing '/' names a directory.
    if (configured.back() == '/') return refuse("it names a directory, not a file");
    std::string relative;
    for (const auto name : names) {
        if (!relative.empty()) relative += '/';
        relative.append(name);
    }
    return {relative, {}};
}

std::string printable(std::string_view text, std::size_t maxBytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        if (out.size() >= maxBytes) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (isControl(u)) {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace ibvf::log
