#include "ipam/ResolvConf.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <vector>

#include "cni/Error.hpp"
#include "linux/Fd.hpp"
#include "net/IpAddress.hpp"

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

// The path is read as root and the result reaches the pod's network-status, which namespace
// users can read: only words shaped like what resolv.conf carries get through, so a NAD naming
// some other file learns nothing of its content.
bool isDnsName(std::string_view w) {
    return !w.empty() && w.size() <= 253 && std::all_of(w.begin(), w.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}
bool isResolverOption(std::string_view w) {  // "rotate", "ndots:5", "edns0", "no-aaaa"
    const auto colon = w.find(':');
    const auto name = w.substr(0, colon);
    if (name.empty() || name.size() > 32 || !std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        })) {
        return false;
    }
    if (colon == std::string_view::npos) return true;
    const auto value = w.substr(colon + 1);
    return !value.empty() && value.size() <= 5 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
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
            if (net::IpAddress::parse(w[0])) dns.nameservers.push_back(w[0]);
        } else if (key == "domain") {
            if (isDnsName(w[0])) dns.domain = w[0];
        } else if (key == "search") {
            w.erase(std::remove_if(w.begin(), w.end(), [](const std::string& d) { return !isDnsName(d); }), w.end());
            dns.search = std::move(w);
        } else if (key == "options") {
            std::copy_if(w.begin(), w.end(), std::back_inserter(dns.options), [](const std::string& o) { return isResolverOption(o); });
        }
    }
    return dns;
}

cni::Dns readResolvConf(const std::string& path) {
    const auto refuse = [&](const std::string& why) { return cni::Error(cni::ErrorCode::InvalidNetworkConfig, "ipam.resolvConf: " + why); };
    const auto cannotRead = [&] { return refuse("cannot read " + path + ": " + std::strerror(errno)); };
    // The path comes from a NetworkAttachmentDefinition and is read as root. A regular file of
    // bounded size only, opened without blocking: /dev/zero exhausted memory and a FIFO hung
    // the IPAM (found by fuzzing). A NUL would make open(2) read another file than the one named.
    constexpr std::size_t kMaxBytes = std::size_t{64} * 1024;
    if (path.find('\0') != std::string::npos) throw refuse("the path contains a NUL byte");
    const linux::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) throw cannotRead();
    if (!S_ISREG(st.st_mode)) throw refuse(path + " is not a regular file");
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw cannotRead();
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxBytes) throw refuse(path + " is larger than 64 KiB");
    }
    return parseResolvConf(text);
}

}  // namespace ibvf::ipam
