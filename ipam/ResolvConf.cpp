#include "ipam/ResolvConf.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "cni/Error.hpp"

namespace ibvf::ipam {
namespace {

std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
        if (j > i) out.emplace_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

cni::Dns parseResolvConf(std::string_view text) {
    cni::Dns dns;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (const auto hash = line.find_first_of("#;"); hash != std::string_view::npos) line = line.substr(0, hash);
        auto w = words(line);
        if (w.size() < 2) continue;
        const std::string key = w[0];
        w.erase(w.begin());
        if (key == "nameserver") {
            dns.nameservers.push_back(w[0]);
        } else if (key == "domain") {
            dns.domain = w[0];
        } else if (key == "search") {
            dns.search = std::move(w);
        } else if (key == "options") {
            dns.options.insert(dns.options.end(), w.begin(), w.end());
        }
    }
    return dns;
}

cni::Dns readResolvConf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw cni::Error(cni::ErrorCode::InvalidNetworkConfig,
                         "ipam.resolvConf: cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return parseResolvConf(ss.str());
}

}  // namespace ibvf::ipam
