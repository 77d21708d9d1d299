#pragma once
// What the node's admin allows a network config's etcd backend to use. A NetworkAttachment-
// Definition is written by namespace users and the IPAM runs as root on the node, so:
//  - the TLS files (client key, certificate, CA) are only files in the node's etcd TLS
//    directory (/etc/ibvf/etcd-tls, or IBVF_ETCD_TLS_DIR), read beneath it without following a
//    symlink: a NAD cannot make root read (and use as a client key) any file it likes;
//  - the endpoints, when the admin put an allow-list at /etc/ibvf/etcd-endpoints (or
//    IBVF_ETCD_ENDPOINTS_FILE), are only endpoints it lists: without it, the node connects (and
//    presents its client certificate) wherever a NAD says.
// Violations are cni::Error(InvalidNetworkConfig) naming the field, the value and the fix.
#include <string>
#include <string_view>
#include <vector>

#include "etcd/Endpoint.hpp"

namespace ibvf::ipam {

inline constexpr const char* kDefaultEtcdTlsDir = "/etc/ibvf/etcd-tls";
inline constexpr const char* kDefaultEtcdEndpointsFile = "/etc/ibvf/etcd-endpoints";

std::string etcdTlsDirectory();      // IBVF_ETCD_TLS_DIR, else /etc/ibvf/etcd-tls
std::string etcdEndpointsFile();     // IBVF_ETCD_ENDPOINTS_FILE, else /etc/ibvf/etcd-endpoints

// ipam.backend.tls.<field> as the absolute path of a file in the TLS directory ("ca.pem" and
// "<dir>/ca.pem" alike); throws for anything else.
std::string confineTlsFile(std::string_view field, std::string_view configured);

// Throws for the first endpoint the allow-list file does not list; nothing when there is no file.
// A line of the file is an endpoint as in the config ("https://10.0.0.1:2379"); one without a
// scheme allows both; '#' starts a comment.
void requireAllowedEndpoints(const std::vector<etcd::Endpoint>& endpoints);

}  // namespace ibvf::ipam
