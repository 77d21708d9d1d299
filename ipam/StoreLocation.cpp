#include "ipam/StoreLocation.hpp"

#include <system_error>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::ipam {
namespace {

namespace fs = std::filesystem;
using cni::Error;
using cni::ErrorCode;

fs::path resolve(const fs::path& p, std::string_view what) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(p, ec);
    if (ec) throw Error(ErrorCode::IoFailure, "cannot resolve " + std::string(what) + " " + p.string() + ": " + ec.message());
    return r;
}

// Component-wise, so /var/lib/cni-other is not inside /var/lib/cni.
bool isStrictlyInside(const fs::path& inner, const fs::path& outer) {
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty()) continue;  // trailing slash of the root
        if (i == inner.end() || *i != *o) return false;
    }
    for (; i != inner.end(); ++i) {
        if (!i->empty()) return true;
    }
    return false;
}

}  // namespace

bool isSafePathComponent(std::string_view name) {
    if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
    return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

fs::path resolveStoreDir(const fs::path& root, const std::optional<std::string>& dataDir, const std::string& network) {
    if (!isSafePathComponent(network)) {
        throw Error(ErrorCode::InvalidNetworkConfig,
                    "network name '" + network + "' cannot name the lease directory (it must be one path component)");
    }
    const fs::path resolvedRoot = resolve(fs::absolute(root), "state root");
    fs::path base;
    if (dataDir) {
        if (dataDir->empty() || !fs::path(*dataDir).is_absolute()) {
            throw Error(ErrorCode::InvalidNetworkConfig, "ipam.dataDir '" + *dataDir + "' must be an absolute path");
        }
        // System calls stop at a NUL: the directory checked below would not be the one used, and
        // networks whose dataDirs differ only after it would share one store (found by fuzzing).
        if (dataDir->find('\0') != std::string::npos) {
            throw Error(ErrorCode::InvalidNetworkConfig, "ipam.dataDir must not contain a NUL byte");
        }
        base = *dataDir;
    } else {
        base = node::ipamDataDirIn(resolvedRoot);
    }
    fs::path dir = resolve(base / network, "ipam.dataDir");
    if (!isStrictlyInside(dir, resolvedRoot)) {
        throw Error(ErrorCode::InvalidNetworkConfig, "ipam.dataDir: the lease directory " + (base / network).string() + " resolves to " +
                                                         dir.string() + ", outside the allowed root " + resolvedRoot.string());
    }
    return dir;
}

StoreLocation storeLocationOf(const cni::NetConf& conf) {
    const rapidjson::Value* ipam = conf.ipam();
    if (!ipam) throw Error(ErrorCode::InvalidNetworkConfig, "the network config has no \"ipam\" section");
    StoreLocation loc;
    loc.network = conf.name;
    loc.dir = resolveStoreDir(node::stateRoot(), cni::json::optString(*ipam, "dataDir", "ipam"), conf.name);
    if (const auto ms = cni::json::optInt(*ipam, "lockTimeoutMs", "ipam")) {
        if (*ms <= 0 || *ms > 3'600'000) {
            throw Error(ErrorCode::InvalidNetworkConfig, "ipam.lockTimeoutMs must be between 1 and 3600000");
        }
        loc.lockTimeout = std::chrono::milliseconds(*ms);
    }
    return loc;
}

}  // namespace ibvf::ipam
