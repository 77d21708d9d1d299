#pragma once
// "ipam": {"backend": {"type": "etcd", ...}, "nodeName": ...}: where the cluster-wide lease store
// is and who this node is in it.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/NetConf.hpp"
#include "etcd/Endpoint.hpp"
#include "etcd/TlsFiles.hpp"

namespace ibvf::ipam {

inline constexpr const char* kDefaultEtcdPrefix = "/ibvf/ipam";
inline constexpr std::chrono::milliseconds kDefaultEtcdTimeout{5000};

struct EtcdBackendConfig {
    std::string network;                      // the config's name
    std::string nodeName;                     // ipam.nodeName, else the host name
    std::string prefix = kDefaultEtcdPrefix;  // no trailing '/'
    std::vector<etcd::Endpoint> endpoints;
    std::optional<etcd::TlsFiles> tls;
    std::chrono::milliseconds timeout = kDefaultEtcdTimeout;  // all etcd traffic of one CNI command
};

// The etcd settings when ipam.backend.type is "etcd"; nullopt without a backend or with type
// "local". Throws cni::Error(InvalidNetworkConfig) naming the field for anything wrong.
std::optional<EtcdBackendConfig> etcdBackendOf(const cni::NetConf& conf);

// A node name can key the index: letters, digits, '.', '-', '_', at most 253 bytes.
bool isValidNodeName(std::string_view name);

// The host name in lower case, as kubelet names its node by default; throws
// cni::Error(InvalidNetworkConfig) asking for ipam.nodeName when it cannot be used.
std::string hostNodeName();

}  // namespace ibvf::ipam
