#pragma once
// ibvf-ipam as a CNI IPAM plugin: the standalone binary's plugin, and what `ibvf` calls
// in-process with the very request it received (req.conf is the whole network config, ipam
// section included). Stateless between calls and safe to call from any thread: the lease store
// (LeaseBackend.hpp: the node-local store's lock, or etcd's transactions) serializes what must be
// serialized, across threads, processes and, with etcd, nodes.
//
// Logging goes through spdlog's default logger. The standalone binary points it at stderr or
// logFile in configure(); an in-process caller must have replaced spdlog's default (stdout)
// logger before calling, as it must for its own logging anyway.
#include <string_view>
#include <vector>

#include "cni/Dispatch.hpp"

namespace ibvf::ipam {

class IpamPlugin final : public cni::Plugin {
public:
    // One address per range set (no interfaceIndex), the configured routes, dns from resolvConf.
    // A repeated ADD of the same (container ID, ifname) returns the addresses it holds.
    cni::Result add(const cni::Request& req) override;
    // Idempotent; needs only the store's location from the config, not valid ranges.
    void del(const cni::Request& req) override;
    // The attachment holds a lease in every range set, and every prevResult address inside the
    // ranges is one of them; else cni::Error(IpamFailure).
    void check(const cni::Request& req) override;
    // The config is valid and its lease directory allowed; with the etcd store, etcd answers
    // (else cni::Error(PluginNotAvailable), code 50).
    void status(const cni::Request& req) override;
    void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) override;
    std::vector<std::string_view> knownCniArgs() const override;
    // logLevel/logFile from the ipam section or the top level.
    void configure(const cni::Request& req) override;
};

}  // namespace ibvf::ipam
