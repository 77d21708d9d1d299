// https endpoints: the server verified against the configured CA and the endpoint's IP, a client
// certificate presented to an etcd that demands one (--client-cert-auth).
#include <stdlib.h>

#include <fstream>

#include "ClusterLab.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;

namespace {

std::string tlsField(const std::filesystem::path& ca, const std::filesystem::path& cert = {}, const std::filesystem::path& key = {}) {
    std::string s = R"(,"tls":{"ca":")" + ca.string() + "\"";
    if (!cert.empty()) s += R"(,"cert":")" + cert.string() + R"(","key":")" + key.string() + "\"";
    return s + "}";
}

// IBVF_ETCD_TLS_DIR for one test (BinaryRunner passes the IBVF_* variables on to the binaries).
struct TlsDirEnv {
    explicit TlsDirEnv(const std::filesystem::path& dir) { ::setenv("IBVF_ETCD_TLS_DIR", dir.c_str(), 1); }
    ~TlsDirEnv() { ::unsetenv("IBVF_ETCD_TLS_DIR"); }
    TlsDirEnv(const TlsDirEnv&) = delete;
    TlsDirEnv& operator=(const TlsDirEnv&) = delete;
};

}  // namespace

TEST_CASE("TLS with client certificates: ADD, DEL, STATUS work; a missing client cert or a wrong CA does not") {
    EtcdServer etcd(EtcdServer::Security::ClientCertAuth);
    const auto& pki = etcd.certificates();
    const TlsDirEnv tlsDir(pki.caCert.parent_path());
    const Node node("node-a");
    NetSpec spec;
    spec.backendExtra = tlsField(pki.caCert, pki.clientCert, pki.clientKey);
    const std::string conf = clusterConfig(etcd.endpoint(), node.name(), spec);
    auto r = node.run("ADD", conf, "c1");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(node.run("STATUS", conf, "").exitCode == 0);
    CHECK(ClusterState::read(etcd).addressesOf("node-a", "c1").size() == 1);
    CHECK(node.run("DEL", conf, "c1").exitCode == 0);
    CHECK(etcd.keysUnder(kPrefix).empty());

    spec.backendExtra = tlsField(pki.caCert);  // no client certificate
    r = node.run("ADD", clusterConfig(etcd.endpoint(), node.name(), spec), "c2");
    CHECK(codeOf(r) == 11);
    CHECK_MESSAGE(msgOf(r).find(etcd.endpoint()) != std::string::npos, r.summary());

    spec.backendExtra = tlsField(pki.otherCaCert, pki.clientCert, pki.clientKey);
    const std::string wrongCa = clusterConfig(etcd.endpoint(), node.name(), spec);
    r = node.run("ADD", wrongCa, "c3");
    CHECK(codeOf(r) == 11);
    CHECK_MESSAGE(msgOf(r).find("certificate verification failed") != std::string::npos, r.summary());
    r = node.run("STATUS", wrongCa, "");
    CHECK(codeOf(r) == 50);
    CHECK(etcd.keysUnder(kPrefix).empty());

    spec.backendExtra = tlsField(pki.caCert, pki.clientCert, pki.caCert);  // a certificate as the key
    r = node.run("ADD", clusterConfig(etcd.endpoint(), node.name(), spec), "c4");
    CHECK(codeOf(r) == 5);
    CHECK_MESSAGE(msgOf(r).find("cannot load the client key " + pki.caCert.string()) != std::string::npos, r.summary());
}

TEST_CASE("the server's certificate must name the endpoint: it carries IP 127.0.0.1, not the name localhost") {
    EtcdServer etcd(EtcdServer::Security::Tls);
    const TlsDirEnv tlsDir(etcd.certificates().caCert.parent_path());
    const Node node("node-a");
    NetSpec spec;
    spec.backendExtra = tlsField(etcd.certificates().caCert);
    auto r = node.run("ADD", clusterConfig(etcd.endpoint(), node.name(), spec), "c1");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    // localhost is 127.0.0.1 in /etc/hosts: the same listener, a name the certificate lacks.
    const std::string port = etcd.endpoint().substr(etcd.endpoint().rfind(':'));
    r = node.run("ADD", clusterConfig("https://localhost" + port, node.name(), spec), "c2");
    CHECK(codeOf(r) == 11);
    CHECK_MESSAGE(msgOf(r).find("certificate verification failed: hostname mismatch") != std::string::npos, r.summary());
}

TEST_CASE("TLS files from a NAD: outside the node's TLS directory, or a symlink in it, is code 7 and reads nothing") {
    EtcdServer etcd(EtcdServer::Security::ClientCertAuth);
    const auto& pki = etcd.certificates();
    // The node's TLS directory holds the CA and a symlink to the client key kept elsewhere.
    const auto nodeDir = pki.caCert.parent_path() / "node-tls";
    std::filesystem::create_directories(nodeDir);
    std::filesystem::copy_file(pki.caCert, nodeDir / "ca.pem");
    std::filesystem::copy_file(pki.clientCert, nodeDir / "client.pem");
    std::filesystem::create_symlink(pki.clientKey, nodeDir / "client-key.pem");
    const TlsDirEnv tlsDir(nodeDir);
    const Node node("node-a");
    NetSpec spec;
    for (const auto& [tls, fragment] : std::vector<std::pair<std::string, std::string>>{
             {tlsField(pki.caCert, pki.clientCert, pki.clientKey), "is refused: it is outside " + nodeDir.string()},
             {tlsField("ca.pem", "client.pem", "../client-key.pem"), "is refused: it contains \"..\""},
             {tlsField("ca.pem", "client.pem", "client-key.pem"),
              "client key " + (nodeDir / "client-key.pem").string() + " is refused: a symlink on the way"}}) {
        CAPTURE(tls);
        spec.backendExtra = tls;
        const auto r = node.run("ADD", clusterConfig(etcd.endpoint(), node.name(), spec), "c1");
        CHECK(codeOf(r) == 7);
        CHECK_MESSAGE(msgOf(r).find(fragment) != std::string::npos, r.summary());
        CHECK(r.out.find("PRIVATE KEY") == std::string::npos);
        CHECK(r.err.find("PRIVATE KEY") == std::string::npos);
    }
    CHECK(etcd.keysUnder(kPrefix).empty());
    // The same files by name, the key a regular file: the ADD goes through.
    std::filesystem::remove(nodeDir / "client-key.pem");
    std::filesystem::copy_file(pki.clientKey, nodeDir / "client-key.pem");
    spec.backendExtra = tlsField("ca.pem", "client.pem", "client-key.pem");
    const auto conf = clusterConfig(etcd.endpoint(), node.name(), spec);
    const auto r = node.run("ADD", conf, "c1");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(node.run("DEL", conf, "c1").exitCode == 0);
}

TEST_CASE("etcd endpoints from a NAD: with the node's allow-list, an endpoint it does not list is code 7, nothing connects") {
    EtcdServer etcd(EtcdServer::Security::Tls);
    const TlsDirEnv tlsDir(etcd.certificates().caCert.parent_path());
    const auto list = etcd.certificates().caCert.parent_path() / "etcd-endpoints";
    ::setenv("IBVF_ETCD_ENDPOINTS_FILE", list.c_str(), 1);
    const Node node("node-a");
    NetSpec spec;
    spec.backendExtra = tlsField(etcd.certificates().caCert);
    std::ofstream(list) << "# only the test's etcd\n" << etcd.endpoint() << "\n";
    auto r = node.run("ADD", clusterConfig("https://127.0.0.2:1", node.name(), spec), "c1");
    CHECK(codeOf(r) == 7);
    CHECK_MESSAGE(msgOf(r).find("'https://127.0.0.2:1' is not allowed on this node") != std::string::npos, r.summary());
    r = node.run("ADD", clusterConfig(etcd.endpoint(), node.name(), spec), "c2");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    ::unsetenv("IBVF_ETCD_ENDPOINTS_FILE");
}
