// https endpoints: the server verified against the configured CA and the endpoint's IP, a client
// certificate presented to an etcd that demands one (--client-cert-auth).
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

}  // namespace

TEST_CASE("TLS with client certificates: ADD, DEL, STATUS work; a missing client cert or a wrong CA does not") {
    EtcdServer etcd(EtcdServer::Security::ClientCertAuth);
    const auto& pki = etcd.certificates();
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
