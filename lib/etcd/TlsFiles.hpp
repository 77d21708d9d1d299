#pragma once
// The files of an etcd TLS client set-up, as configured (paths only: nothing is read here).
#include <string>

namespace ibvf::etcd {

struct TlsFiles {
    std::string ca;    // PEM bundle to verify the server with; empty: OpenSSL's default trust store
    std::string cert;  // PEM client certificate (chain), or empty
    std::string key;   // PEM private key of `cert`, or empty
    // The directory every file must be in (the IPAM sets the node's etcd TLS directory): each is
    // read beneath it, no symlink followed (linux::openBeneath). Empty: each file is read in its
    // own directory, its last component not followed if a symlink.
    std::string dir;
};

}  // namespace ibvf::etcd
