#pragma once
// What the etcd stores (leases, GUIDs) share: the client a node opens on a backend config, and
// the one translation of etcd's failures into CNI errors, so both answer a down etcd, a refused
// TLS file or a malformed reply with the same code and fix.
#include <cstdint>
#include <memory>
#include <string>

#include "cni/Error.hpp"
#include "etcd/EtcdClient.hpp"
#include "ipam/BackendConfig.hpp"

namespace ibvf::ipam {

// Nodes start at different members (by node name), spreading the load over the cluster.
std::unique_ptr<etcd::EtcdClient> connectEtcd(const EtcdBackendConfig& config);

// Seed for the stores' random candidate picks: concurrent nodes rarely try the same one.
std::uint64_t randomSeed();

// Runs `body` with a fresh deadline; etcd's failures become the cni::Error for them, their
// message prefixed with `where` ("network ib-net: ADD: ").
template <class F>
auto guardEtcd(etcd::EtcdClient& client, const EtcdBackendConfig& config, const std::string& where, F&& body) -> decltype(body()) {
    using cni::Error;
    using cni::ErrorCode;
    client.setDeadline(etcd::Deadline(config.timeout));
    try {
        return body();
    } catch (const etcd::EtcdUnavailable& e) {
        throw Error(ErrorCode::TryAgainLater, where + "etcd is unreachable, try again later: " + e.what(),
                    "etcd endpoints: " + client.endpointList());
    } catch (const etcd::EtcdRejected& e) {
        throw Error(ErrorCode::IpamFailure, where + e.what());
    } catch (const etcd::MalformedReply& e) {
        throw Error(ErrorCode::IpamFailure, where + e.what());
    } catch (const etcd::TlsFileRefused& e) {
        throw Error(ErrorCode::InvalidNetworkConfig, where + "ipam.backend.tls: " + e.what(),
                    "the etcd CA, client certificate and key must be regular files in the node's etcd TLS directory, "
                    "not symlinks");
    } catch (const etcd::TlsSetupError& e) {
        throw Error(ErrorCode::IoFailure, where + "ipam.backend.tls: " + e.what());
    }
}

}  // namespace ibvf::ipam
