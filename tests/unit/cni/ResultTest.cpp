#include <doctest/doctest.h>

#include <string>

#include "cni/Error.hpp"
#include "cni/Result.hpp"

using namespace ibvf::cni;
using ibvf::net::IpAddress;
using ibvf::net::IpPrefix;

namespace {

constexpr const char* kMac = "00:00:10:49:fe:80:00:00:00:00:00:00:0c:42:a1:03:00:6f:2b:05";

IpPrefix prefix(const char* s) { return *IpPrefix::parse(s); }
IpAddress ip(const char* s) { return *IpAddress::parse(s); }

Interface iface(const char* name) {
    Interface i;
    i.name = name;
    return i;
}

IpConfig ipConfig(const char* address, std::optional<IpAddress> gateway = std::nullopt, std::optional<int> index = std::nullopt) {
    IpConfig c;
    c.address = prefix(address);
    c.gateway = gateway;
    c.interfaceIndex = index;
    return c;
}

Route route(const char* dst, std::optional<IpAddress> gw = std::nullopt) {
    Route r;
    r.dst = prefix(dst);
    r.gw = gw;
    return r;
}

Result fullResult() {
    Result r;
    Interface net1 = iface("net1");
    net1.mac = kMac;
    net1.mtu = 2044U;
    net1.sandbox = "/var/run/netns/x";
    net1.pciId = "0000:3b:00.2";
    r.interfaces.push_back(net1);
    Interface vhost = iface("vhost");
    vhost.socketPath = "/run/vhost.sock";
    r.interfaces.push_back(vhost);
    r.ips.push_back(ipConfig("10.1.2.3/24", ip("10.1.2.1"), 0));
    r.ips.push_back(ipConfig("2001:db8::5/64", std::nullopt, 0));
    Route def = route("0.0.0.0/0", ip("10.1.2.1"));
    def.mtu = 2000;
    def.advmss = 1900;
    def.priority = 10;
    def.table = 100;
    def.scope = 0;
    r.routes.push_back(def);
    r.routes.push_back(route("10.9.0.0/16"));
    r.dns.nameservers = {"10.0.0.53"};
    r.dns.domain = "cluster.local";
    r.dns.search = {"a.svc", "b.svc"};
    return r;
}

// What a version can carry of `r`.
Result downgraded(Result r, Version v) {
    if (v >= Version::V1_1_0) return r;
    for (auto& i : r.interfaces) {
        i.mtu.reset();
        i.pciId.clear();
        i.socketPath.clear();
    }
    for (auto& rt : r.routes) {
        rt.mtu.reset();
        rt.advmss.reset();
        rt.priority.reset();
        rt.table.reset();
        rt.scope.reset();
    }
    return r;
}

Result parseText(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return parseResult(d);
}

Error parseError(const char* text, std::string_view where = {}) {
    rapidjson::Document d;
    d.Parse(text);
    REQUIRE_FALSE(d.HasParseError());
    try {
        parseResult(d, where);
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected parseResult to throw: " << text);
    return Error(ErrorCode::SystemFailure, "unreachable");
}

}  // namespace

TEST_CASE("1.1.0 result: exact JSON with every field") {
    CHECK(toJson(fullResult(), Version::V1_1_0) ==
          std::string(R"({"cniVersion":"1.1.0","interfaces":[)"
                      R"({"name":"net1","mac":")") +
              kMac +
              R"(","mtu":2044,"sandbox":"/var/run/netns/x","pciID":"0000:3b:00.2"},)"
              R"({"name":"vhost","socketPath":"/run/vhost.sock"}],)"
              R"("ips":[{"interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"},)"
              R"({"interface":0,"address":"2001:db8::5/64"}],)"
              R"("routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1","mtu":2000,"advmss":1900,"priority":10,"table":100,"scope":0},)"
              R"({"dst":"10.9.0.0/16"}],)"
              R"("dns":{"nameservers":["10.0.0.53"],"domain":"cluster.local","search":["a.svc","b.svc"]}})");
}

TEST_CASE("0.4.0 result: exact JSON with ips[].version and without 1.1 fields") {
    CHECK(toJson(fullResult(), Version::V0_4_0) ==
          std::string(R"({"cniVersion":"0.4.0","interfaces":[)"
                      R"({"name":"net1","mac":")") +
              kMac +
              R"(","sandbox":"/var/run/netns/x"},{"name":"vhost"}],)"
              R"("ips":[{"version":"4","interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"},)"
              R"({"version":"6","interface":0,"address":"2001:db8::5/64"}],)"
              R"("routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1"},{"dst":"10.9.0.0/16"}],)"
              R"("dns":{"nameservers":["10.0.0.53"],"domain":"cluster.local","search":["a.svc","b.svc"]}})");
}

TEST_CASE("1.0.0 drops ips[].version and the 1.1 fields") {
    const auto text = toJson(fullResult(), Version::V1_0_0);
    CHECK(text.rfind(R"({"cniVersion":"1.0.0",)", 0) == 0);
    CHECK(text.find("\"version\"") == std::string::npos);
    CHECK(text.find("\"mtu\"") == std::string::npos);
    CHECK(text.find("pciID") == std::string::npos);
    CHECK(text.find("socketPath") == std::string::npos);
    CHECK(text.find("\"table\"") == std::string::npos);
    CHECK(text.find(R"({"interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"})") != std::string::npos);
}

TEST_CASE("0.3.x results have ips[].version and no 1.1 fields") {
    for (const auto v : {Version::V0_3_0, Version::V0_3_1}) {
        const auto text = toJson(fullResult(), v);
        CHECK(text.rfind(std::string(R"({"cniVersion":")") + std::string(toString(v)) + "\"", 0) == 0);
        CHECK(text.find(R"("version":"4")") != std::string::npos);
        CHECK(text.find(R"("version":"6")") != std::string::npos);
        CHECK(text.find("pciID") == std::string::npos);
        CHECK(text.find("\"priority\"") == std::string::npos);
    }
}

TEST_CASE("every version round-trips parse -> toJson -> parse") {
    for (const auto vs : supportedVersionStrings()) {
        const auto v = *parseVersion(vs);
        CAPTURE(vs);
        const auto first = toJson(fullResult(), v);
        const auto parsed = parseText(first);
        CHECK(parsed == downgraded(fullResult(), v));
        CHECK(toJson(parsed, v) == first);
    }
}

TEST_CASE("empty fields are omitted") {
    CHECK(toJson(Result{}, Version::V1_0_0) == R"({"cniVersion":"1.0.0"})");
    Result r;
    r.interfaces.push_back(iface("net1"));
    r.ips.push_back(ipConfig("10.0.0.2/24"));
    CHECK(toJson(r, Version::V1_1_0) == R"({"cniVersion":"1.1.0","interfaces":[{"name":"net1"}],"ips":[{"address":"10.0.0.2/24"}]})");
    r.dns.options = {"ndots:5"};
    CHECK(toJson(r, Version::V1_1_0).find(R"("dns":{"options":["ndots:5"]})") != std::string::npos);
}

TEST_CASE("parseResult accepts the spec's example shapes") {
    const auto v04 = parseText(R"({
        "cniVersion": "0.4.0",
        "interfaces": [{"name": "eth0", "mac": "99:88:77:66:55:44", "sandbox": "/var/run/netns/blue"}],
        "ips": [{"version": "4", "address": "192.168.0.2/24", "gateway": "192.168.0.1", "interface": 0}],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dns": {"nameservers": ["8.8.8.8"]}
    })");
    REQUIRE(v04.interfaces.size() == 1);
    CHECK(v04.interfaces[0].sandbox == "/var/run/netns/blue");
    REQUIRE(v04.ips.size() == 1);
    CHECK(v04.ips[0].gateway == ip("192.168.0.1"));
    CHECK(v04.ips[0].interfaceIndex == 0);
    CHECK(v04.routes[0].dst == prefix("0.0.0.0/0"));
    CHECK_FALSE(v04.routes[0].gw.has_value());
    CHECK(v04.dns.nameservers == std::vector<std::string>{"8.8.8.8"});

    const auto v11 = parseText(R"({
        "cniVersion": "1.1.0",
        "interfaces": [{"name": "net1", "mtu": 4092, "pciID": "0000:3b:00.2", "socketPath": "/s"}],
        "ips": [{"address": "fd00::2/64", "gateway": "fd00::1", "interface": 0}],
        "routes": [{"dst": "::/0", "gw": "fd00::1", "mtu": 1500, "advmss": 1440, "priority": 5, "table": 7, "scope": 253}]
    })");
    CHECK(v11.interfaces[0].mtu == 4092U);
    CHECK(v11.interfaces[0].pciId == "0000:3b:00.2");
    CHECK(v11.interfaces[0].socketPath == "/s");
    CHECK(v11.routes[0].scope == 253);
    CHECK(v11.routes[0].table == 7);
    CHECK(v11.dns.empty());
}

TEST_CASE("bad result shapes are decode failures naming the field") {
    struct Case {
        const char* json;
        const char* msg;
    };
    const Case cases[] = {
        {R"([])", "result must be an object"},
        {R"({"interfaces":{}})", "interfaces must be an array"},
        {R"({"interfaces":[1]})", "interfaces[0] must be an object"},
        {R"({"interfaces":[{"mac":"x"}]})", "interfaces[0].name is required"},
        {R"({"interfaces":[{"name":"a","mtu":-1}]})", "interfaces[0].mtu is out of range"},
        {R"({"ips":[{"address":"10.0.0.1"}]})", "ips[0].address must be an address/prefix-length, not \"10.0.0.1\""},
        {R"({"ips":[{"address":"10.0.0.1/24","gateway":"x"}]})", "ips[0].gateway must be an IP address, not \"x\""},
        {R"({"ips":[{"version":"6","address":"10.0.0.1/24"}]})", "ips[0].version is \"6\" but the address is IPv4"},
        {R"({"ips":[{"address":"10.0.0.1/24","interface":-1}]})", "ips[0].interface must not be negative"},
        {R"({"ips":[{"address":"10.0.0.1/24","interface":"0"}]})", "ips[0].interface must be an integer"},
        {R"({"routes":[{"gw":"10.0.0.1"}]})", "routes[0].dst is required"},
        {R"({"routes":[{"dst":"0.0.0.0/0","table":4294967296}]})", "routes[0].table is out of range"},
        {R"({"dns":[]})", "dns must be an object"},
        {R"({"dns":{"nameservers":[1]}})", "dns.nameservers[0] must be a string"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.json);
        const auto e = parseError(c.json);
        CHECK(e.code() == ErrorCode::DecodeFailure);
        CHECK(e.msg() == c.msg);
    }
    const auto e = parseError(R"({"ips":[{"address":"bad"}]})", "prevResult");
    CHECK(e.code() == ErrorCode::DecodeFailure);
    CHECK(e.msg() == "prevResult.ips[0].address must be an address/prefix-length, not \"bad\"");
}

TEST_CASE("parseDns") {
    rapidjson::Document d;
    d.Parse(R"({"nameservers":["1.1.1.1","fd00::53"],"domain":"x","search":["s"],"options":["rotate"]})");
    const auto dns = parseDns(d);
    CHECK(dns.nameservers.size() == 2);
    CHECK(dns.domain == "x");
    CHECK(dns.search == std::vector<std::string>{"s"});
    CHECK(dns.options == std::vector<std::string>{"rotate"});
    d.Parse(R"({"domain":1})");
    CHECK_THROWS_AS(parseDns(d), Error);
}
