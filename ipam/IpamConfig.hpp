#pragma once
// The "ipam" section: host-local's fields (ranges, the single-range shorthand, routes, dataDir,
// resolvConf) plus "exclude", "lockTimeoutMs", "backend" and "nodeName" (the cluster-wide etcd
// store), and logLevel/logFile (here or at the top level).
#include <optional>
#include <string>
#include <vector>

#include "cni/NetConf.hpp"
#include "cni/Result.hpp"
#include "ipam/BackendConfig.hpp"
#include "ipam/Exclusions.hpp"
#include "ipam/Range.hpp"

namespace ibvf::ipam {

struct IpamConfig {
    std::vector<RangeSet> rangeSets;  // one address per set, in this order
    Exclusions exclusions;
    std::vector<cni::Route> routes;
    cni::Dns dns;           // from resolvConf
    BackendConfig backend;  // where the leases are
};

// Throws cni::Error(InvalidNetworkConfig) with the offending field's path for anything wrong.
IpamConfig parseIpamConfig(const cni::NetConf& conf);

struct LogSettings {
    std::optional<std::string> level;
    std::optional<std::string> file;
};
// ipam.logLevel/logFile, falling back to the top-level ones. Never throws for a missing ipam
// section: logging is set up before anything can fail.
LogSettings logSettingsOf(const cni::NetConf& conf);

}  // namespace ibvf::ipam
