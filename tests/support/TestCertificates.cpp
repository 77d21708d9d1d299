#include "support/TestCertificates.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace ibvf::test {
namespace {

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificates: ") + what + " failed");
}

Key newKey() {
    Key k(EVP_EC_gen("P-256"));
    check(k != nullptr, "EVP_EC_gen");
    return k;
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    const int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(ok == 1, "X509_add_ext");
}

// `issuer`/`issuerKey` null: self-signed.
Cert makeCert(EVP_PKEY* key, const char* commonName, long serial, X509* issuer, EVP_PKEY* issuerKey, bool ca, const char* extendedUsage,
              const char* subjectAltName) {
    Cert cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName), -1, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    addExtension(cert.get(), signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    addExtension(cert.get(), signer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (issuer) addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid");
    if (extendedUsage) addExtension(cert.get(), signer, NID_ext_key_usage, extendedUsage);
    if (subjectAltName) addExtension(cert.get(), signer, NID_subject_alt_name, subjectAltName);
    check(X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

template <class Write>
void writePem(const std::filesystem::path& path, Write&& write) {
    FILE* f = std::fopen(path.c_str(), "w");
    check(f != nullptr, "fopen");
    const bool ok = write(f) == 1;
    std::fclose(f);
    check(ok, "PEM write");
}

void saveCert(const std::filesystem::path& path, X509* cert) {
    writePem(path, [&](FILE* f) { return PEM_write_X509(f, cert); });
}

void saveKey(const std::filesystem::path& path, EVP_PKEY* key) {
    writePem(path, [&](FILE* f) { return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr); });
}

}  // namespace

TestCertificates TestCertificates::generate(const std::filesystem::path& dir) {
    TestCertificates t;
    t.caCert = dir / "ca.pem";
    t.serverCert = dir / "server.pem";
    t.serverKey = dir / "server-key.pem";
    t.clientCert = dir / "client.pem";
    t.clientKey = dir / "client-key.pem";
    t.otherCaCert = dir / "other-ca.pem";

    const Key caKey = newKey();
    const Cert ca = makeCert(caKey.get(), "ibvf test CA", 1, nullptr, nullptr, true, nullptr, nullptr);
    const Key serverKey = newKey();
    const Cert server = makeCert(serverKey.get(), "etcd", 2, ca.get(), caKey.get(), false, "serverAuth,clientAuth", "IP:127.0.0.1");
    const Key clientKey = newKey();
    const Cert client = makeCert(clientKey.get(), "ibvf-ipam", 3, ca.get(), caKey.get(), false, "clientAuth", nullptr);
    const Key otherKey = newKey();
    const Cert other = makeCert(otherKey.get(), "another CA", 4, nullptr, nullptr, true, nullptr, nullptr);

    saveCert(t.caCert, ca.get());
    saveCert(t.serverCert, server.get());
    saveKey(t.serverKey, serverKey.get());
    saveCert(t.clientCert, client.get());
    saveKey(t.clientKey, clientKey.get());
    saveCert(t.otherCaCert, other.get());
    return t;
}

}  // namespace ibvf::test
