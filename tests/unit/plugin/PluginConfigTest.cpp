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
    CHECK(codeOf(R"(,"ipam":{})") == ErrorCode::InvalidNetworkConfig);
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
    for (const char* bad : {R"(,"pkey":"0x10000")", R"(,"pkey":"0x8000")", R"(,"pkey":"0x0")", R"(,"pkey":"partition")",
                            R"(,"pkey":70000)", R"(,"pkey":-1)", R"(,"pkey":true)"}) {
        CHECK_MESSAGE(codeOf(bad) == ErrorCode::InvalidNetworkConfig, bad);
    }
    CHECK(codeOf(R"(,"pkey":"0x8001","vfioPciMode":true)") == ErrorCode::InvalidNetworkConfig);
    CHECK(codeOf(R"(,"rdmaIsolation":"yes")") == ErrorCode::InvalidNetworkConfig);
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
    CHECK(handoverCode(R"(,"ibKubernetesEnabled":true,"args":{"cni":{"mellanox.infiniband.app":"pending"}})") ==
          ErrorCode::TryAgainLater);
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
