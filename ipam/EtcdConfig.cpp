#include "ipam/EtcdConfig.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <stdexcept>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "ipam/EtcdNodePolicy.hpp"
#include "ipam/StoreLocation.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;
namespace json = cni::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
    throw Error(ErrorCode::InvalidNetworkConfig, msg, details);
}

// Our own sections reject unknown fields: a misspelt "endpoint" must not silently mean "none".
void onlyFields(const rapidjson::Value& obj, std::initializer_list<const char*> known, const std::string& where) {
    for (const auto& m : obj.GetObject()) {
        const std::string name(m.name.GetString(), m.name.GetStringLength());
        if (std::none_of(known.begin(), known.end(), [&](const char* k) { return name == k; })) {
            std::string list;
            for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
            invalid(where + ": unknown field \"" + name + "\"", "known fields: " + list);
        }
    }
}

// A file of the node's etcd TLS directory (EtcdNodePolicy.hpp), as an absolute path; or empty.
std::string tlsFile(const rapidjson::Value& tls, const char* key) {
    const auto path = json::optString(tls, key, "ipam.backend.tls").value_or("");
    return path.empty() ? path : confineTlsFile(key, path);
}

etcd::TlsFiles tlsFilesOf(const rapidjson::Value& tls) {
    onlyFields(tls, {"ca", "cert", "key"}, "ipam.backend.tls");
    etcd::TlsFiles f{tlsFile(tls, "ca"), tlsFile(tls, "cert"), tlsFile(tls, "key"), node::etcdTlsDir()};
    if (f.cert.empty() != f.key.empty()) invalid("ipam.backend.tls: \"cert\" and \"key\" go together");
    return f;
}

std::string prefixOf(const rapidjson::Value& backend) {
    std::string p = json::optString(backend, "prefix", "ipam.backend").value_or(kDefaultEtcdPrefix);
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p.empty() || p.front() != '/' || p == "/")
        invalid("ipam.backend.prefix '" + p + "' must start with '/' and name a key prefix, e.g. \"/ibvf/ipam\"");
    if (p.find('\0') != std::string::npos) invalid("ipam.backend.prefix contains a NUL byte");
    return p;
}

}  // namespace

bool isValidNodeName(std::string_view name) {
    return !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    });
}

std::string hostNodeName() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) invalid("cannot read the host name for ipam.nodeName; set ipam.nodeName");
    std::string name(buf);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!isValidNodeName(name)) invalid("the host name '" + name + "' cannot name this node in etcd; set ipam.nodeName");
    return name;
}

std::optional<EtcdBackendConfig> etcdBackendOf(const cni::NetConf& conf) {
    const rapidjson::Value* ipam = conf.ipam();
    if (!ipam) invalid("the network config has no \"ipam\" section");
    const rapidjson::Value* backend = json::optObject(*ipam, "backend", "ipam");
    if (!backend) return std::nullopt;
    const std::string type = json::optString(*backend, "type", "ipam.backend").value_or("");
    if (type == "local") {
        onlyFields(*backend, {"type"}, "ipam.backend");
        return std::nullopt;
    }
    if (type != "etcd") invalid("ipam.backend.type '" + type + "' is not \"etcd\" or \"local\"");
    onlyFields(*backend, {"type", "endpoints", "prefix", "tls", "timeoutMs"}, "ipam.backend");

    EtcdBackendConfig c;
    c.network = conf.name;
    if (!isSafePathComponent(c.network) || c.network.find('\0') != std::string::npos) {
        invalid("network name '" + c.network + "' cannot key leases in etcd (it must not contain '/')");
    }
    c.prefix = prefixOf(*backend);
    if (const auto* tls = json::optObject(*backend, "tls", "ipam.backend")) c.tls = tlsFilesOf(*tls);

    const auto endpoints = json::optStringArray(*backend, "endpoints", "ipam.backend");
    if (!endpoints || endpoints->empty())
        invalid("ipam.backend.endpoints: list at least one etcd client URL, e.g. \"https://10.0.0.1:2379\"");
    for (std::size_t i = 0; i < endpoints->size(); ++i) {
        try {
            c.endpoints.push_back(etcd::parseEndpoint((*endpoints)[i], c.tls.has_value()));
        } catch (const std::invalid_argument& e) {
            invalid("ipam.backend.endpoints[" + std::to_string(i) + "]: " + e.what());
        }
        if (c.tls && !c.endpoints.back().tls) {
            invalid("ipam.backend.endpoints[" + std::to_string(i) + "] '" + (*endpoints)[i] + "' is http while ipam.backend.tls is set",
                    "use https:// endpoints with TLS, or drop \"tls\"");
        }
    }
    requireAllowedEndpoints(c.endpoints);
    if (const auto ms = json::optInt(*backend, "timeoutMs", "ipam.backend")) {
        if (*ms < 1 || *ms > 600'000) invalid("ipam.backend.timeoutMs must be between 1 and 600000");
        c.timeout = std::chrono::milliseconds(*ms);
    }
    if (const auto node = json::optString(*ipam, "nodeName", "ipam")) {
        if (!isValidNodeName(*node)) invalid("ipam.nodeName '" + *node + "' may contain only letters, digits, '.', '-' and '_'");
        c.nodeName = *node;
    } else {
        c.nodeName = hostNodeName();
    }
    return c;
}

}  // namespace ibvf::ipam
