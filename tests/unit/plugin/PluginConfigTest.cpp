#include <doctest/doctest.h>

#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "plugin/PluginConfig.hpp"

using ibvf::cni::Error;
using ibvf::cni::ErrorCode;
using ibvf::plugin::PluginConfig;

namespace {

PluginConfig parse(const std::string& extra) {
    auto conf = ibvf::cni::parseNetConf(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf")" + extra + "}");
    return PluginConfig::parse(conf);
}

ErrorCode codeOf(const std::string& extra) {
    try {
        parse(extra);
    } catch (const Error& e) {
        return e.code();
    }
    FAIL("expected a CNI error for: " << extra);
    return ErrorCode::SystemFailure;
}

}  // namespace

TEST_CASE("deviceID: top level wins over runtimeConfig and pciBusID") {
    auto cfg = parse(R"(,"deviceID":"0000:3b:00.2","runtimeConfig":{"deviceID":"0000:3b:00.3"},"pciBusID":"0000:3b:00.4")");
    CHECK(cfg.deviceId == "0000:3b:00.2");
    CHECK(parse(R"(,"runtimeConfig":{"deviceID":"0000:3b:00.3"},"pciBusID":"0000:3b:00.4")").deviceId == "0000:3b:00.3");
    CHECK(parse(R"(,"pciBusID":"0000:3b:00.4")").deviceId == "0000:3b:00.4");
    CHECK_FALSE(parse("").deviceId.has_value());
}

TEST_CASE("malformed deviceID is an invalid network config") {
    CHECK(codeOf(R"(,"deviceID":"3b:00.2")") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"deviceID":"../../etc")") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"deviceID":42)") == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("mtu bounds") {
    CHECK(parse(R"(,"mtu":2044)").mtu == 2044U);
    CHECK(parse(R"(,"mtu":65520)").mtu == 65520U);
    CHECK(codeOf(R"(,"mtu":67)") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"mtu":65521)") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"mtu":"1500")") == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("ipam type must be a plugin name, not a path") {
    CHECK(parse(R"(,"ipam":{"type":"host-local"})").ipamType == "host-local");
    CHECK(parse("").ipamType.empty());
    CHECK(codeOf(R"(,"ipam":{"type":"../../bin/sh"})") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"ipam":{"subnet":"10.1.0.0/24"})") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"ipam":{"type":"","subnet":"10.1.0.0/24"})") == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("logFile is taken as written (the log set-up confines it); unknown fields are ignored") {
    CHECK(parse(R"(,"logFile":"relative.log")").logFile == "relative.log");
    auto cfg = parse(R"(,"logFile":"/var/log/ibvf/ibvf.log","logLevel":"debug","someFutureField":{"x":1})");
    CHECK(cfg.logFile == "/var/log/ibvf/ibvf.log");
    CHECK(cfg.logLevel == "debug");
}

TEST_CASE("dns from the netconf") {
    auto cfg = parse(R"(,"dns":{"nameservers":["10.0.0.53"],"search":["ib.local"]})");
    REQUIRE(cfg.dns.nameservers.size() == 1);
    CHECK(cfg.dns.nameservers[0] == "10.0.0.53");
    CHECK(cfg.dns.search == std::vector<std::string>{"ib.local"});
}

TEST_CASE("ib-sriov-cni fields: rdmaIsolation, pkey, vfioPciMode, CNIDeviceInfoFile") {
    auto cfg = parse(R"(,"rdmaIsolation":true,"pkey":"0x8001","runtimeConfig":{"CNIDeviceInfoFile":"/x/y-device.json"})");
    CHECK(cfg.rdmaIsolation);
    REQUIRE(cfg.pkey);
    CHECK(cfg.pkey->value() == 0x8001);
    CHECK(cfg.deviceInfoFile == "/x/y-device.json");
    CHECK_FALSE(cfg.vfioPciMode);
    CHECK(parse(R"(,"pkey":32769)").pkey->value() == 0x8001);
    CHECK_FALSE(parse(R"(,"pkey":"")").pkey.has_value());
    CHECK(parse(R"(,"vfioPciMode":true)").vfioPciMode);
    CHECK_FALSE(parse("").rdmaIsolation);
}

TEST_CASE("bad pkeys and a pkey with vfioPciMode are invalid configs") {
    for (const char* bad : {R"(,"pkey":"0x10000")", R"(,"pkey":"0x8000")", R"(,"pkey":"0x0")", R"(,"pkey":"partition")", R"(,"pkey":70000)",
                            R"(,"pkey":-1)", R"(,"pkey":true)"}) {
        CHECK_MESSAGE(codeOf(bad) == ErrorCode::InvalidNetworkConfig, bad);
    }
    // ib-sriov-cni's pkey is a partition at the subnet manager, which a VM's VF has too.
    CHECK(parse(R"(,"pkey":"0x8001","vfioPciMode":true)").pkey->value() == 0x8001);
    CHECK(codeOf(R"(,"rdmaIsolation":"yes")") == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("pkey is ib-sriov-cni's partition; the IPoIB child is ipoibChild") {
    const auto sriov = parse(R"(,"pkey":"0x8001")");
    CHECK(sriov.pkey->value() == 0x8001);
    CHECK_FALSE(sriov.ipoibChild);
    const auto child = parse(R"(,"ipoibChild":{"pkey":"0x8002"})");
    CHECK_FALSE(child.pkey);
    REQUIRE(child.ipoibChild);
    CHECK(child.ipoibChild->value() == 0x8002);
    CHECK(parse(R"(,"ipoibChild":{"pkey":32770})").ipoibChild->value() == 0x8002);
    for (const char* bad : {R"(,"ipoibChild":{})", R"(,"ipoibChild":{"pkey":""})", R"(,"ipoibChild":{"pkey":"0x0"})",
                            R"(,"ipoibChild":"0x8001")", R"(,"ipoibChild":{"pkey":"0x8001"},"vfioPciMode":true)"}) {
        CHECK_MESSAGE(codeOf(bad) == ErrorCode::InvalidNetworkConfig, bad);
    }
}

// Every string field ib-sriov-cni (Go) reads: "" is its zero value, i.e. not set.
TEST_CASE("ib-sriov-cni's empty strings mean unset, as in Go") {
    const auto cfg = parse(R"(,"deviceID":"","link_state":"","guid":"","pkey":"","kubeconfig":"",)"
                           R"("runtimeConfig":{"infinibandGUID":"","deviceID":"","CNIDeviceInfoFile":""},)"
                           R"("args":{"cni":{"guid":""}},"ipam":{})");
    CHECK_FALSE(cfg.deviceId);
    CHECK_FALSE(cfg.linkState);
    CHECK_FALSE(cfg.guid);
    CHECK_FALSE(cfg.pkey);
    CHECK_FALSE(cfg.deviceInfoFile);
    CHECK(cfg.ipamType.empty());
    CHECK(parse(R"(,"ipam":{"type":""})").ipamType.empty());
    // An empty source does not hide the next one.
    CHECK(parse(R"(,"runtimeConfig":{"infinibandGUID":""},"args":{"cni":{"guid":"00:00:00:00:00:00:00:02"}})").guid->value() == 2);
    CHECK(parse(R"(,"args":{"cni":{"guid":""}},"guid":"00:00:00:00:00:00:00:03")").guid->value() == 3);
    CHECK(*parse(R"(,"deviceID":"","runtimeConfig":{"deviceID":"0000:3b:00.2"})").deviceId == "0000:3b:00.2");
    CHECK(*parse(R"(,"deviceID":"","pciBusID":"0000:3b:00.3")").deviceId == "0000:3b:00.3");
    // Real nonsense is still refused.
    for (const char* bad : {R"(,"link_state":" ")", R"(,"link_state":"on")", R"(,"guid":"0")", R"(,"deviceID":"x")",
                            R"(,"link_state":false)", R"(,"ibKubernetesEnabled":"")", R"(,"rdmaIsolation":"")"}) {
        CHECK_MESSAGE(codeOf(bad) == ErrorCode::InvalidNetworkConfig, bad);
    }
}

TEST_CASE("ibKubernetesEnabled: try again until ib-kubernetes has configured the pod, then its GUID is used") {
    auto handover = [](const std::string& extra) {
        auto conf = ibvf::cni::parseNetConf(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf")" + extra + "}");
        ibvf::plugin::requireIbKubernetesHandover(conf, PluginConfig::parse(conf));
    };
    auto handoverCode = [&](const std::string& extra) {
        try {
            handover(extra);
        } catch (const Error& e) {
            return e.code();
        }
        FAIL("expected a CNI error for: " << extra);
        return ErrorCode::SystemFailure;
    };
    // parse() alone accepts it: DEL and CHECK must not depend on ib-kubernetes.
    CHECK(parse(R"(,"ibKubernetesEnabled":true)").ibKubernetesEnabled);
    CHECK(handoverCode(R"(,"ibKubernetesEnabled":true)") == ErrorCode::TryAgainLater);
    CHECK(handoverCode(R"(,"ibKubernetesEnabled":true,"args":{"cni":{"mellanox.infiniband.app":"pending"}})") == ErrorCode::TryAgainLater);
    CHECK(handoverCode(R"(,"ibKubernetesEnabled":true,"args":{"cni":{"mellanox.infiniband.app":"configured"}})") ==
          ErrorCode::InvalidNetworkConfig);
    const std::string ready = R"(,"ibKubernetesEnabled":true,"args":{"cni":{"mellanox.infiniband.app":"configured",)"
                              R"("guid":"02:00:00:00:00:00:00:09"}})";
    CHECK_NOTHROW(handover(ready));
    CHECK(parse(ready).guid->str() == "02:00:00:00:00:00:00:09");
    try {
        handover(R"(,"ibKubernetesEnabled":true)");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("ib-kubernetes") != std::string::npos);
        CHECK(e.details().find("mellanox.infiniband.app") != std::string::npos);
    }
    // Without ibKubernetesEnabled the status is not looked at.
    CHECK_NOTHROW(handover(R"(,"args":{"cni":{"mellanox.infiniband.app":"pending"}})"));
}
