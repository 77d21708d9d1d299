#pragma once
// What the node's admin allows a network config's etcd backend to use. A NetworkAttachment-
// Definition is written by namespace users and the IPAM runs as root on the node, so:
//  - the TLS files (client key, certificate, CA) are only files in the node's etcd TLS
//    directory (node::etcdTlsDir()), read beneath it without following a symlink: a NAD cannot
//    make root read (and use as a client key) any file it likes;
//  - the endpoints, when the admin put an allow-list at node::etcdEndpointsFile(), are only
//    endpoints it lists: without it, the node connects (and presents its client certificate)
//    wherever a NAD says.
// Violations are cni::Error(InvalidNetworkConfig) naming the field, the value and the fix.
#include <string>
#include <string_view>
#include <vector>

#include "etcd/Endpoint.hpp"

namespace ibvf::ipam {

// ipam.backend.tls.<field> as the absolute path of a file in the TLS directory ("ca.pem" and
// "<dir>/ca.pem" alike); throws for anything else.
std::string confineTlsFile(std::string_view field, std::string_view configured);

// Throws for the first endpoint the allow-list file does not list; nothing when there is no file.
// A line of the file is an endpoint as in the config ("https://10.0.0.1:2379"); one without a
// scheme allows both; '#' starts a comment.
void requireAllowedEndpoints(const std::vector<etcd::Endpoint>& endpoints);

}  // namespace ibvf::ipam
