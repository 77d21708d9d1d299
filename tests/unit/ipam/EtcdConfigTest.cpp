#include <doctest/doctest.h>

#include <stdlib.h>

#include <fstream>

#include "IpamTestSupport.hpp"
#include "ipam/BackendConfig.hpp"
#include "ipam/EtcdHandoff.hpp"
#include "ipam/IpamConfig.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

std::string withBackend(const std::string& backend, const std::string& ipamExtra = {}) {
    return R"({"cniVersion":"1.0.0","name":"ibnet","type":"ibvf","ipam":{"type":"ibvf-ipam","subnet":"10.9.0.0/22")" + ipamExtra +
           R"(,"backend":)" + backend + "}}";
}

void expectError(const std::string& backend, const std::string& fragment, const std::string& ipamExtra = {}) {
    CAPTURE(backend);
    const auto c = conf(withBackend(backend, ipamExtra));
    const auto e = errorOf([&] { backendConfigOf(c); });
    CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
    CHECK_MESSAGE(e.msg().find(fragment) != std::string::npos, e.msg());
}

}  // namespace

TEST_CASE("an etcd backend with every field") {
    const auto cfg = parseIpamConfig(
        conf(withBackend(R"({"type":"etcd","endpoints":["https://10.0.0.1:2379","[fd00::2]:2380"],"prefix":"/cluster/ipam/",)"
                         R"("tls":{"ca":"/etc/ibvf/etcd-tls/ca.pem","cert":"c.pem","key":"./node/k.pem"},"timeoutMs":1500})",
                         R"(,"nodeName":"node-7.rack_2")")));
    const auto& e = std::get<EtcdBackendConfig>(cfg.backend);
    CHECK(e.network == "ibnet");
    CHECK(e.nodeName == "node-7.rack_2");
    CHECK(e.prefix == "/cluster/ipam");  // trailing '/' dropped
    REQUIRE(e.endpoints.size() == 2);
    CHECK(e.endpoints[0].tls);
    CHECK(e.endpoints[1].tls);  // no scheme + tls configured: https
    CHECK(e.endpoints[1].port == 2380);
    REQUIRE(e.tls);
    CHECK(e.tls->ca == "/etc/ibvf/etcd-tls/ca.pem");
    CHECK(e.tls->cert == "/etc/ibvf/etcd-tls/c.pem");  // a bare name is a file of the TLS directory
    CHECK(e.tls->key == "/etc/ibvf/etcd-tls/node/k.pem");
    CHECK(e.tls->dir == "/etc/ibvf/etcd-tls");
    CHECK(e.timeout == std::chrono::milliseconds(1500));
    CHECK(describeBackend(cfg.backend) == "etcd https://10.0.0.1:2379, [fd00::2]:2380 under /cluster/ipam/ibnet (node node-7.rack_2)");
}

TEST_CASE("etcd defaults: prefix, timeout, node name from the host name; type local is the node-local store") {
    const auto e = std::get<EtcdBackendConfig>(backendConfigOf(conf(withBackend(R"({"type":"etcd","endpoints":["10.0.0.1"]})"))));
    CHECK(e.prefix == kDefaultEtcdPrefix);
    CHECK(e.timeout == kDefaultEtcdTimeout);
    CHECK(e.nodeName == hostNodeName());
    CHECK_FALSE(e.tls);
    CHECK_FALSE(e.endpoints[0].tls);

    TempDir root;
    StateRootGuard guard(root.path());
    CHECK(std::holds_alternative<StoreLocation>(backendConfigOf(conf(withBackend(R"({"type":"local"})")))));
}

TEST_CASE("bad etcd settings name the field") {
    expectError(R"({"type":"consul"})", "ipam.backend.type 'consul'");
    expectError(R"({"type":"etcd"})", "ipam.backend.endpoints");
    expectError(R"({"type":"etcd","endpoints":[]})", "at least one");
    expectError(R"({"type":"etcd","endpoints":["ftp://x"]})", "ipam.backend.endpoints[0]");
    expectError(R"({"type":"etcd","endpoint":["10.0.0.1"]})", "unknown field \"endpoint\"");
    expectError(R"({"type":"etcd","endpoints":["10.0.0.1"],"tls":{"cert":"c.pem"}})", "go together");
    expectError(R"({"type":"etcd","endpoints":["10.0.0.1"],"tls":{"ca":"/ca.pem","crt":"/x"}})", "unknown field \"crt\"");
    expectError(R"({"type":"etcd","endpoints":["http://10.0.0.1:2379"],"tls":{"ca":"ca.pem"}})", "is http while");
    expectError(R"({"type":"etcd","endpoints":["10.0.0.1"],"timeoutMs":0})", "timeoutMs");
    expectError(R"({"type":"etcd","endpoints":["10.0.0.1"],"prefix":"ibvf"})", "ipam.backend.prefix");
    expectError(R"({"type":"etcd","endpoints":["10.0.0.1"],"prefix":"/"})", "ipam.backend.prefix");
    expectError(R"({"type":"etcd","endpoints":["10.0.0.1"]})", "ipam.nodeName", R"(,"nodeName":"a/b")");
    expectError(R"("etcd")", "ipam.backend must be");
}

TEST_CASE("etcd TLS files: only files of the node's etcd TLS directory (IBVF_ETCD_TLS_DIR), with the fix") {
    for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{
             {"/etc/shadow", "is refused: it is outside /etc/ibvf/etcd-tls"},
             {"/etc/ibvf/etcd-tls/../../shadow", "is refused: it contains \"..\""},
             {"../ssh/ssh_host_ed25519_key", "is refused: it contains \"..\""},
             {"/etc/ibvf/etcd-tls-other/ca.pem", "is refused: it is outside /etc/ibvf/etcd-tls"},
             {"ca\n.pem", "is refused: it contains a control character"}}) {
        for (const char* field : {"ca", "cert", "key"}) {
            CAPTURE(path);
            const std::string other = std::string(field) == "key" ? "cert" : "key";
            std::string tls = std::string(R"({")") + field + R"(":")" + (path == "ca\n.pem" ? "ca\\n.pem" : path) + "\"";
            if (std::string(field) != "ca") tls += R"(,")" + other + R"(":"x.pem")";
            const auto c = conf(withBackend(R"({"type":"etcd","endpoints":["10.0.0.1"],"tls":)" + tls + "}}"));
            const auto e = errorOf([&] { backendConfigOf(c); });
            CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
            CHECK_MESSAGE(e.msg().find(std::string("ipam.backend.tls.") + field) != std::string::npos, e.msg());
            CHECK_MESSAGE(e.msg().find(why) != std::string::npos, e.msg());
            CHECK(e.details().find("must be files in /etc/ibvf/etcd-tls") != std::string::npos);
        }
    }
    TempDir dir;
    ::setenv("IBVF_ETCD_TLS_DIR", dir.path().c_str(), 1);
    const auto inDir = (dir.path() / "ca.pem").string();
    const auto e = std::get<EtcdBackendConfig>(
        backendConfigOf(conf(withBackend(R"({"type":"etcd","endpoints":["10.0.0.1"],"tls":{"ca":")" + inDir + R"("}})"))));
    ::unsetenv("IBVF_ETCD_TLS_DIR");
    CHECK(e.tls->ca == inDir);
    CHECK(e.tls->dir == dir.path().string());
}

TEST_CASE("etcd endpoints: with the node's allow-list file, only endpoints it lists; without it, any") {
    TempDir dir;
    const auto list = dir.path() / "etcd-endpoints";
    ::setenv("IBVF_ETCD_ENDPOINTS_FILE", list.c_str(), 1);
    const auto endpoints = [](const std::string& e) { return withBackend(R"({"type":"etcd","endpoints":[)" + e + "]}"); };
    // No file: the NAD decides.
    CHECK_NOTHROW(backendConfigOf(conf(endpoints(R"("http://10.6.6.6:2379")"))));
    std::ofstream(list) << "# etcd of this cluster\n  http://10.0.0.1:2379  # first\n\nETCD-2.example:2380\n";
    CHECK_NOTHROW(backendConfigOf(conf(endpoints(R"("http://10.0.0.1:2379","https://etcd-2.EXAMPLE:2380")"))));
    for (const auto& [bad, index] :
         std::vector<std::pair<std::string, std::string>>{{R"("http://10.6.6.6:2379")", "[0] 'http://10.6.6.6:2379'"},
                                                          {R"("http://10.0.0.1:2379","10.0.0.1:2380")", "[1] '10.0.0.1:2380'"},
                                                          {R"("https://10.0.0.1:2379")", "[0] 'https://10.0.0.1:2379'"}}) {
        CAPTURE(bad);
        const auto c = conf(endpoints(bad));
        const auto e = errorOf([&] { backendConfigOf(c); });
        CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
        CHECK_MESSAGE(e.msg().find("ipam.backend.endpoints" + index + " is not allowed on this node") != std::string::npos, e.msg());
        CHECK(e.details().find(list.string()) != std::string::npos);
    }
    std::ofstream(list) << "10.0.0.1\nnot an endpoint\n";
    const auto c = conf(endpoints(R"("10.0.0.1")"));
    const auto e = errorOf([&] { backendConfigOf(c); });
    ::unsetenv("IBVF_ETCD_ENDPOINTS_FILE");
    CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
    CHECK_MESSAGE(e.msg().find("line 2 of the etcd endpoint allow-list " + list.string()) != std::string::npos, e.msg());
}

TEST_CASE("selectsEtcdStore: only a backend of type etcd; configs without \"backend\" are not even parsed") {
    CHECK(selectsEtcdStore(withBackend(R"({"type":"etcd","endpoints":["10.0.0.1"]})")));
    CHECK(selectsEtcdStore(conf(withBackend(R"({"type":"etcd","endpoints":["10.0.0.1"]})"))));
    CHECK_FALSE(selectsEtcdStore(withBackend(R"({"type":"local"})")));
    CHECK_FALSE(selectsEtcdStore(R"({"name":"n","ipam":{"type":"ibvf-ipam","subnet":"10.0.0.0/24"}})"));
    CHECK_FALSE(selectsEtcdStore(R"({"name":"n","backend":{"type":"etcd"},"ipam":{}})"));  // top level: not ours
    CHECK_FALSE(selectsEtcdStore(R"({"ipam":{"backend":{"type":"etcd"})"));                // not JSON
}

TEST_CASE("a program without the etcd store says which one has it") {
    const auto e = errorOf([] { openBackend(backendConfigOf(conf(withBackend(R"({"type":"etcd","endpoints":["10.0.0.1"]})")))); });
    CHECK(e.code() == cni::ErrorCode::IpamFailure);
    CHECK(e.msg().find("ibvf-ipam-etcd") != std::string::npos);
}
