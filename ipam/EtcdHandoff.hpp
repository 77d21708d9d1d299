#pragma once
// Handing a network whose leases are in etcd to ibvf-ipam-etcd, the build of this IPAM that links
// the etcd store (why it is a separate binary: BackendConfig.hpp). For etcd users that costs one
// more exec, small against etcd round trips; for everybody else one substring
// search of the config.
#include <string>
#include <string_view>

#include "cni/NetConf.hpp"

namespace ibvf::ipam {

inline constexpr const char* kEtcdIpamBinary = "ibvf-ipam-etcd";

// Whether the config's ipam.backend.type is "etcd". A config that does not even contain the text
// "backend" is not parsed. Malformed JSON is "no" (the dispatcher reports it).
bool selectsEtcdStore(std::string_view configText);
bool selectsEtcdStore(const cni::NetConf& conf);

// For the standalone ibvf-ipam, with its stdin: when the config selects etcd, replaces this
// process by ibvf-ipam-etcd from ibvf-ipam's own directory, with the same environment and this
// stdin. Returns when the config does not select etcd, or when the exec failed (the reason is
// then what etcdHandoffFailure() says, for openBackend's error).
void handOverEtcdConfigs(std::string_view stdinText);
std::string etcdHandoffFailure();

}  // namespace ibvf::ipam
