#include <fstream>
#include <stdexcept>

#include <doctest/doctest.h>

#include "etcd/Endpoint.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf::etcd;

TEST_CASE("endpoints: scheme, host, port, TLS default") {
    auto e = parseEndpoint("https://10.0.0.1:2379", false);
    CHECK(e.tls);
    CHECK(e.host == "10.0.0.1");
    CHECK(e.port == 2379);
    CHECK(e.authority() == "10.0.0.1:2379");

    e = parseEndpoint("http://etcd-0.example:12379/", true);
    CHECK_FALSE(e.tls);
    CHECK(e.host == "etcd-0.example");
    CHECK(e.port == 12379);

    e = parseEndpoint("10.0.0.2", true);  // no scheme: https because TLS is configured
    CHECK(e.tls);
    CHECK(e.port == 2379);

    e = parseEndpoint("[fd00::1]:2379", false);
    CHECK_FALSE(e.tls);
    CHECK(e.host == "fd00::1");
    CHECK(e.authority() == "[fd00::1]:2379");
    CHECK(e.text == "[fd00::1]:2379");
}

TEST_CASE("endpoints: what is refused, and why") {
    const std::pair<const char*, const char*> bad[] = {
        {"ftp://10.0.0.1:2379", "scheme"},        {"http://10.0.0.1:2379/v3", "no path"},
        {"http://user@10.0.0.1:2379", "no path"}, {"http://10.0.0.1:0", "port"},
        {"http://10.0.0.1:65536", "port"},        {"http://10.0.0.1:23x", "port"},
        {"http://fd00::1:2379", "brackets"},      {"http://[10.0.0.1]:2379", "IPv6"},
        {"http://[fd00::1", "unclosed"},          {"http://:2379", "host"},
        {"http://bad_host!:2379", "host name"},
    };
    for (const auto& [text, why] : bad) {
        CAPTURE(text);
        try {
            parseEndpoint(text, false);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find(why) != std::string::npos);
            CHECK(std::string(e.what()).find(text) != std::string::npos);
        }
    }
}

TEST_CASE("host names come from the hosts file only; literals need none") {
    ibvf::test::ScratchDir dir;
    const auto hosts = dir / "hosts";
    std::ofstream(hosts) << "# comment\n127.0.0.1 localhost\n10.1.2.3  etcd-a ETCD-B  # trailing\n"
                            "fe80::1%eth0 linklocal\nfd00::7 etcd-six\nnot-an-address etcd-c\n";
    CHECK(resolveHost("etcd-a", hosts)->toString() == "10.1.2.3");
    CHECK(resolveHost("etcd-b", hosts)->toString() == "10.1.2.3");  // case-insensitive
    CHECK(resolveHost("etcd-six", hosts)->toString() == "fd00::7");
    CHECK_FALSE(resolveHost("etcd-c", hosts));
    CHECK_FALSE(resolveHost("linklocal", hosts));
    CHECK_FALSE(resolveHost("nowhere", hosts));
    CHECK(resolveHost("192.0.2.9", dir / "missing")->toString() == "192.0.2.9");
}
