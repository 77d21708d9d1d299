#pragma once
// CNI result types, independent of spec version; conversion happens only on the way in
// (parseResult accepts every supported shape) and on the way out (toJson).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "cni/Version.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::cni {

struct Interface {
    std::string name;
    std::string mac;              // "aa:bb:.." any length (20 bytes for IPoIB)
    std::optional<unsigned> mtu;  // emitted for >= 1.1.0
    std::string sandbox;          // netns path; empty for host interfaces
    std::string pciId;            // emitted as "pciID" for >= 1.1.0
    std::string socketPath;       // emitted for >= 1.1.0
    friend bool operator==(const Interface&, const Interface&) = default;
};

struct IpConfig {
    net::IpPrefix address;
    std::optional<net::IpAddress> gateway;
    std::optional<int> interfaceIndex;  // index into Result::interfaces
    friend bool operator==(const IpConfig&, const IpConfig&) = default;
};

struct Route {
    net::IpPrefix dst;
    std::optional<net::IpAddress> gw;
    // The following are emitted for >= 1.1.0 only.
    std::optional<int> mtu;
    std::optional<int> advmss;
    std::optional<int> priority;
    std::optional<int> table;
    std::optional<int> scope;
    friend bool operator==(const Route&, const Route&) = default;
};

struct Dns {
    std::vector<std::string> nameservers;
    std::string domain;
    std::vector<std::string> search;
    std::vector<std::string> options;
    bool empty() const { return nameservers.empty() && domain.empty() && search.empty() && options.empty(); }
    friend bool operator==(const Dns&, const Dns&) = default;
};

struct Result {
    std::vector<Interface> interfaces;
    std::vector<IpConfig> ips;
    std::vector<Route> routes;
    Dns dns;
    friend bool operator==(const Result&, const Result&) = default;
};

// Accepts the 0.3.x/0.4.0 shape (ips[].version) and the 1.x shape. Throws Error(DecodeFailure)
// naming the bad field.
Result parseResult(const rapidjson::Value& json);
// The same, with field names in errors prefixed by `where` (e.g. "prevResult").
Result parseResult(const rapidjson::Value& json, std::string_view where);
Dns parseDns(const rapidjson::Value& json);

// Serialises in the shape of `version`, with "cniVersion" set to it. Fields the version does not
// know are dropped (e.g. interface mtu/pciID and route mtu/table before 1.1.0).
std::string toJson(const Result& result, Version version);

}  // namespace ibvf::cni
