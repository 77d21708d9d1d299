#include "ipam/IpamPlugin.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "ipam/Allocator.hpp"
#include "ipam/BackendConfig.hpp"
#include "ipam/IpamConfig.hpp"
#include "ipam/IpamRequest.hpp"
#include "ipam/RequestedAddresses.hpp"

namespace ibvf::ipam {
namespace {

const Range* rangeFor(const IpamConfig& cfg, const net::IpAddress& a) {
    for (const auto& set : cfg.rangeSets) {
        if (const auto i = rangeIndexFor(set, a)) return &set[*i];
    }
    return nullptr;
}

std::string who(const cni::Request& req) { return "container " + req.env.containerId + " interface " + req.env.ifname; }

}  // namespace

cni::Result IpamPlugin::add(const cni::Request& req) {
    const IpamConfig cfg = parseIpamConfig(req.conf);
    const auto requested = matchRequested(cfg.rangeSets, requestedAddresses(req), req.conf.name);
    const auto addrs = openBackend(cfg.backend)->allocate(attachmentKeyOf(req), cfg.rangeSets, cfg.exclusions, requested);

    cni::Result result;
    result.ips.reserve(addrs.size());
    for (std::size_t i = 0; i < addrs.size(); ++i) {
        const Range& range = cfg.rangeSets[i][*rangeIndexFor(cfg.rangeSets[i], addrs[i])];
        result.ips.push_back(cni::IpConfig{net::IpPrefix{addrs[i], range.subnet.length}, range.gateway, std::nullopt});
    }
    result.routes = cfg.routes;
    result.dns = cfg.dns;
    std::string text;
    for (const auto& ip : result.ips) text += (text.empty() ? "" : " ") + ip.address.toString();
    spdlog::info("ADD network {}: {} holds {}", req.conf.name, who(req), text);
    return result;
}

void IpamPlugin::del(const cni::Request& req) {
    const std::size_t released = openBackend(backendConfigOf(req.conf))->release(attachmentKeyOf(req));
    spdlog::info("DEL network {}: released {} lease(s) of {}", req.conf.name, released, who(req));
}

void IpamPlugin::check(const cni::Request& req) {
    const IpamConfig cfg = parseIpamConfig(req.conf);
    const auto held = openBackend(cfg.backend)->leasesOf(attachmentKeyOf(req));
    const auto fail = [&](const std::string& what) {
        throw cni::Error(cni::ErrorCode::IpamFailure, "network " + req.conf.name + ": " + what);
    };
    for (std::size_t i = 0; i < cfg.rangeSets.size(); ++i) {
        const bool has = std::any_of(held.begin(), held.end(), [&](const net::IpAddress& a) { return rangeIndexFor(cfg.rangeSets[i], a); });
        if (!has) fail(who(req) + " holds no lease in range set " + std::to_string(i));
    }
    if (!req.conf.prevResult) return;
    for (const auto& ip : req.conf.prevResult->ips) {
        const net::IpAddress& a = ip.address.address;
        if (!rangeFor(cfg, a)) continue;  // another IPAM's or a static address: not ours to judge
        if (std::find(held.begin(), held.end(), a) == held.end()) {
            fail("address " + a.toString() + " of the previous result is not leased to " + who(req));
        }
    }
}

void IpamPlugin::status(const cni::Request& req) { openBackend(parseIpamConfig(req.conf).backend)->checkAvailable(); }

void IpamPlugin::gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) {
    openBackend(backendConfigOf(req.conf))->releaseAllExcept(keepListOf(valid));
}

std::vector<std::string_view> IpamPlugin::knownCniArgs() const { return ipamCniArgs(); }

void IpamPlugin::configure(const cni::Request& req) { setupIpamLogging(req, "ibvf-ipam", ""); }

}  // namespace ibvf::ipam
