#pragma once
// Which lease store a network's leases are in, from its config: "ipam.backend" of type "etcd"
// selects the cluster-wide store, anything else (no backend, or type "local") the node-local one
// under dataDir, exactly as without this choice.
#include <memory>
#include <string>
#include <variant>

#include "cni/NetConf.hpp"
#include "ipam/EtcdConfig.hpp"
#include "ipam/LeaseBackend.hpp"
#include "ipam/StoreLocation.hpp"

namespace ibvf::ipam {

using BackendConfig = std::variant<StoreLocation, EtcdBackendConfig>;

// Reads only the store's settings, not the ranges: DEL and GC keep working after the ranges were
// edited into something invalid. Throws cni::Error(InvalidNetworkConfig).
BackendConfig backendConfigOf(const cni::NetConf& conf);

// Where the leases are, for people: "/var/lib/cni/ibvf-ipam/net" or
// "etcd http://10.0.0.1:2379 under /ibvf/ipam/net (node n1)".
std::string describeBackend(const BackendConfig& config);

// Opens no file and no connection yet: the first operation does. The etcd store only in a program
// that registered it; otherwise cni::Error(IpamFailure) naming the program that serves etcd.
std::unique_ptr<LeaseBackend> openBackend(const BackendConfig& config);

// The etcd store is a library of its own (ipam/etcd/, ibvf_ipam_etcd) because it brings OpenSSL,
// and static OpenSSL costs every exec whether it is used or not: libcrypto's start-up CPU probe and
// code spread over more pages, and in the dynamically linked `ibvf` the relocation of its
// tables (docs/performance.md has the figures). So only ibvf-ipam-etcd links it, and registers it here at start-up;
// ibvf-ipam and ibvf hand etcd configs to that binary (EtcdHandoff.hpp).
using EtcdStoreOpener = std::unique_ptr<LeaseBackend> (*)(const EtcdBackendConfig&);
void registerEtcdStore(EtcdStoreOpener opener);

}  // namespace ibvf::ipam
