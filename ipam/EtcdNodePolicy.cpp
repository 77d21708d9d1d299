#include "ipam/EtcdNodePolicy.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "cni/Error.hpp"
#include "linux/Beneath.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;

// An allow-list longer than this is not a list of endpoints.
constexpr std::size_t kMaxAllowListBytes = std::size_t{64} * 1024;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

struct Allowed {
    std::optional<bool> tls;  // nullopt: the line named no scheme
    std::string host;         // lower case
    std::uint16_t port = 0;
};

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// The allow-list, or nullopt when the file does not exist.
std::optional<std::vector<Allowed>> readAllowList(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return std::nullopt;
        throw Error(ErrorCode::InvalidNetworkConfig, "cannot read the etcd endpoint allow-list " + file,
                    "make it a readable file with one endpoint per line, or remove it to allow any endpoint");
    }
    std::string text;
    text.resize(kMaxAllowListBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxAllowListBytes) {
        throw Error(ErrorCode::InvalidNetworkConfig, "the etcd endpoint allow-list " + file + " is larger than 64 KiB");
    }
    std::vector<Allowed> out;
    std::string_view rest = text;
    for (std::size_t lineNo = 1; !rest.empty(); ++lineNo) {
        const auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = trimmed(line);
        if (line.empty()) continue;
        try {
            const auto e = etcd::parseEndpoint(line, false);
            out.push_back({line.find("://") == std::string_view::npos ? std::nullopt : std::optional<bool>(e.tls), lower(e.host), e.port});
        } catch (const std::invalid_argument& ex) {
            // The message names the line's text: the admin's file, not a secret.
            throw Error(ErrorCode::InvalidNetworkConfig,
                        "line " + std::to_string(lineNo) + " of the etcd endpoint allow-list " + file + " is not an endpoint", ex.what());
        }
    }
    return out;
}

}  // namespace

std::string confineTlsFile(std::string_view field, std::string_view configured) {
    const std::string dir = node::etcdTlsDir();
    const auto beneath = linux::pathBeneath(configured, dir, 16, 4096);
    if (!beneath.accepted()) {
        throw Error(ErrorCode::InvalidNetworkConfig,
                    "ipam.backend.tls." + std::string(field) + " '" + std::string(configured) + "' is refused: " + beneath.refusal,
                    "the etcd CA, client certificate and key must be files in " + dir +
                        " on every node (the cluster admin puts them there); name them by file name, e.g. \"ca.pem\"");
    }
    return (dir.size() > 1 && dir.back() == '/' ? dir : dir + "/") + beneath.relative;
}

void requireAllowedEndpoints(const std::vector<etcd::Endpoint>& endpoints) {
    const std::string file = node::etcdEndpointsFile();
    const auto allowed = readAllowList(file);
    if (!allowed) return;
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        const auto& e = endpoints[i];
        const std::string host = lower(e.host);
        const bool ok = std::any_of(allowed->begin(), allowed->end(),
                                    [&](const Allowed& a) { return a.host == host && a.port == e.port && (!a.tls || *a.tls == e.tls); });
        if (!ok) {
            throw Error(ErrorCode::InvalidNetworkConfig,
                        "ipam.backend.endpoints[" + std::to_string(i) + "] '" + e.text + "' is not allowed on this node",
                        "the node's etcd endpoint allow-list " + file +
                            " does not list it; use an endpoint listed there, or ask the cluster admin to add it");
        }
    }
}

}  // namespace ibvf::ipam
