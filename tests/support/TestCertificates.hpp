#pragma once
// A throw-away PKI for TLS tests, made with OpenSSL's C API in the test process (no openssl CLI):
// a CA, a server certificate for IP 127.0.0.1 only (so "localhost" is a name it does not carry), a
// client certificate, and a second CA that signed none of them. PEM files in `dir`.
#include <filesystem>

namespace ibvf::test {

struct TestCertificates {
    std::filesystem::path caCert;
    std::filesystem::path serverCert;
    std::filesystem::path serverKey;
    std::filesystem::path clientCert;
    std::filesystem::path clientKey;
    std::filesystem::path otherCaCert;

    // EC P-256 keys, valid from an hour ago for a day. The server certificate may also be used as
    // a client certificate: etcd's gateway dials its own gRPC port with it, which
    // --client-cert-auth verifies like any client.
    static TestCertificates generate(const std::filesystem::path& dir);
};

}  // namespace ibvf::test
