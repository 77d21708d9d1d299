#pragma once
// The files of an etcd TLS client set-up, as configured (paths only: nothing is read here).
#include <string>

namespace ibvf::etcd {

struct TlsFiles {
    std::string ca;    // PEM bundle to verify the server with; empty: OpenSSL's default trust store
    std::string cert;  // PEM client certificate (chain), or empty
    std::string key;   // PEM private key of `cert`, or empty
};

}  // namespace ibvf::etcd
