#include "ipam/etcd/GuidCommand.hpp"

#include <stdexcept>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "ipam/IpamConfig.hpp"
#include "ipam/etcd/EtcdGuidStore.hpp"
#include "log/Logging.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;

EtcdGuidStore openStore(const cni::Request& req) {
    auto backend = etcdBackendOf(req.conf);
    if (!backend) {
        throw Error(ErrorCode::InvalidNetworkConfig, "guidSource \"etcd\" needs an etcd ipam.backend",
                    "GUID leases live in the etcd the IPAM uses: set ipam.backend.type to \"etcd\"");
    }
    return EtcdGuidStore(std::move(*backend));
}

kernel::GuidRange rangeOf(const cni::NetConf& conf) {
    const auto text = cni::json::optString(conf.doc, "guidRange").value_or("");
    try {
        return kernel::GuidRange::parse(text);
    } catch (const std::invalid_argument& e) {
        throw Error(ErrorCode::InvalidNetworkConfig, "guidRange '" + text + "' is not a usable GUID range", e.what());
    }
}

AttachmentKey keyOf(const cni::Request& req) { return {req.env.containerId, req.env.ifname}; }

}  // namespace

cni::Result GuidPlugin::add(const cni::Request& req) {
    const auto range = rangeOf(req.conf);
    const auto guid = openStore(req).allocate(keyOf(req), range);
    cni::Result result;
    cni::Interface iface;
    iface.name = req.env.ifname;
    iface.mac = guid.str();
    result.interfaces.push_back(std::move(iface));
    return result;
}

void GuidPlugin::del(const cni::Request& req) { openStore(req).release(keyOf(req)); }

void GuidPlugin::check(const cni::Request& req) { openStore(req).checkAvailable(); }

void GuidPlugin::status(const cni::Request& req) { openStore(req).checkAvailable(); }

void GuidPlugin::gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) {
    std::vector<AttachmentKey> keep;
    keep.reserve(valid.size());
    for (const auto& a : valid) keep.push_back({a.containerId, a.ifname});
    openStore(req).releaseAllExcept(keep);
}

std::vector<std::string_view> GuidPlugin::knownCniArgs() const {
    return {"IP", "K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"};
}

void GuidPlugin::configure(const cni::Request& req) {
    const LogSettings s = logSettingsOf(req.conf);
    log::LogOptions opts;
    opts.program = "ibvf-ipam-etcd";
    opts.level = s.level;
    opts.file = s.file;
    opts.defaultFile = true;
    if (!req.env.containerId.empty()) {
        opts.context = "guid net=" + req.conf.name + " cid=" + req.env.containerId.substr(0, 12) + " if=" + req.env.ifname;
    }
    log::setup(opts);
}

}  // namespace ibvf::ipam
