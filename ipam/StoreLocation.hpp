#pragma once
// Where a network's leases live, and the guard that keeps them under the allowed root: a
// NetworkAttachmentDefinition is written by a namespace user, and must not make a root process
// create or delete files elsewhere through "dataDir" or the network name.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cni/NetConf.hpp"

namespace ibvf::ipam {

inline constexpr std::chrono::milliseconds kDefaultLockTimeout{10000};

struct StoreLocation {
    std::filesystem::path dir;  // resolved <dataDir>/<network name>
    std::string network;
    std::chrono::milliseconds lockTimeout = kDefaultLockTimeout;
};

// A name that is one directory entry: non-empty, at most 255 bytes, not "." or "..", no '/' or NUL.
bool isSafePathComponent(std::string_view name);

// As host-local: the store is <dataDir>/<network name>, dataDir defaulting to <root>/ibvf-ipam
// (node::ipamDataDirIn).
// dataDir must be absolute. The result is resolved (symlinks followed for the part that exists)
// and must lie strictly inside the resolved root. Throws cni::Error(InvalidNetworkConfig) naming
// the paths otherwise, and for an unsafe network name.
std::filesystem::path resolveStoreDir(const std::filesystem::path& root, const std::optional<std::string>& dataDir,
                                      const std::string& network);

// Reads ipam.dataDir and ipam.lockTimeoutMs from the config and the root from the environment
// (node::stateRoot()).
// All that DEL and GC need: they keep working when the ranges were since edited into something
// invalid.
StoreLocation storeLocationOf(const cni::NetConf& conf);

}  // namespace ibvf::ipam
