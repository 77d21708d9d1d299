#include "ipam/etcd/EtcdSession.hpp"

#include <functional>
#include <random>

namespace ibvf::ipam {

std::unique_ptr<etcd::EtcdClient> connectEtcd(const EtcdBackendConfig& config) {
    etcd::ClientSettings s;
    s.endpoints = config.endpoints;
    s.tls = config.tls;
    s.firstEndpoint = std::hash<std::string>{}(config.nodeName);
    return std::make_unique<etcd::EtcdClient>(std::move(s), etcd::Deadline(config.timeout));
}

std::uint64_t randomSeed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace ibvf::ipam
