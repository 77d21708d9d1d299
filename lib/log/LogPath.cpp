#include "log/LogPath.hpp"

namespace ibvf::log {
linux::PathBeneath confineLogPath(std::string_view configured, std::string_view logDir) {
    return linux::pathBeneath(configured, logDir, kMaxLogSubdirs, kMaxLogPathBytes);
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
