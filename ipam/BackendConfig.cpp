#include "ipam/BackendConfig.hpp"

#include <atomic>

#include "cni/Error.hpp"
#include "ipam/EtcdHandoff.hpp"
#include "ipam/LeaseStore.hpp"

namespace ibvf::ipam {
namespace {

std::atomic<EtcdStoreOpener> g_etcdStore{nullptr};

}  // namespace

void registerEtcdStore(EtcdStoreOpener opener) { g_etcdStore.store(opener); }

BackendConfig backendConfigOf(const cni::NetConf& conf) {
    if (auto etcd = etcdBackendOf(conf)) return std::move(*etcd);
    return storeLocationOf(conf);
}

std::string describeBackend(const BackendConfig& config) {
    if (const auto* local = std::get_if<StoreLocation>(&config)) return local->dir.string();
    const auto& etcd = std::get<EtcdBackendConfig>(config);
    std::string endpoints;
    for (const auto& e : etcd.endpoints) endpoints += (endpoints.empty() ? "" : ", ") + e.text;
    return "etcd " + endpoints + " under " + etcd.prefix + "/" + etcd.network + " (node " + etcd.nodeName + ")";
}

std::unique_ptr<LeaseBackend> openBackend(const BackendConfig& config) {
    if (const auto* local = std::get_if<StoreLocation>(&config)) return std::make_unique<LeaseStore>(*local);
    const auto& etcd = std::get<EtcdBackendConfig>(config);
    if (const EtcdStoreOpener open = g_etcdStore.load()) return open(etcd);
    const std::string why = etcdHandoffFailure();
    throw cni::Error(cni::ErrorCode::IpamFailure,
                     "network " + etcd.network + ": ipam.backend \"etcd\" is served by " + kEtcdIpamBinary + ", which could not be run" +
                         (why.empty() ? "" : ": " + why),
                     std::string("install ") + kEtcdIpamBinary + " beside ibvf-ipam (e.g. in /opt/cni/bin)");
}

}  // namespace ibvf::ipam
