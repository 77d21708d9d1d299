#include "log/LogPath.hpp"

#include <cstdlib>

namespace ibvf::log {
namespace {

std::string_view withoutTrailingSlashes(std::string_view dir) {
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    return dir;
}

}  // namespace

std::string logDirectory() {
    const char* dir = std::getenv("IBVF_LOG_DIR");
    return std::string(withoutTrailingSlashes((dir != nullptr && *dir != '\0') ? dir : kDefaultLogDir));
}

kernel::PathBeneath confineLogPath(std::string_view configured, std::string_view logDir) {
    return kernel::pathBeneath(configured, logDir, kMaxLogSubdirs, kMaxLogPathBytes);
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
        if (u < 0x20 || u == 0x7f) {
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
