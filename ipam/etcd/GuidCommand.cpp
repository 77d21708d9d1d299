#include "ipam/etcd/GuidCommand.hpp"

#include <stdexcept>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "ipam/EtcdConfig.hpp"
#include "ipam/IpamRequest.hpp"
#include "ipam/etcd/EtcdGuidStore.hpp"

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

linux::GuidRange rangeOf(const cni::NetConf& conf) {
    const auto text = cni::json::optString(conf.doc, "guidRange").value_or("");
    try {
        return linux::GuidRange::parse(text);
    } catch (const std::invalid_argument& e) {
        throw Error(ErrorCode::InvalidNetworkConfig, "guidRange '" + text + "' is not a usable GUID range", e.what());
    }
}

}  // namespace

cni::Result GuidPlugin::add(const cni::Request& req) {
    const auto range = rangeOf(req.conf);
    const auto guid = openStore(req).allocate(attachmentKeyOf(req), range);
    cni::Result result;
    cni::Interface iface;
    iface.name = req.env.ifname;
    iface.mac = guid.str();
    result.interfaces.push_back(std::move(iface));
    return result;
}

void GuidPlugin::del(const cni::Request& req) { openStore(req).release(attachmentKeyOf(req)); }

void GuidPlugin::check(const cni::Request& req) { openStore(req).checkAvailable(); }

void GuidPlugin::status(const cni::Request& req) { openStore(req).checkAvailable(); }

void GuidPlugin::gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) {
    openStore(req).releaseAllExcept(keepListOf(valid));
}

std::vector<std::string_view> GuidPlugin::knownCniArgs() const { return ipamCniArgs(); }

void GuidPlugin::configure(const cni::Request& req) { setupIpamLogging(req, "ibvf-ipam-etcd", "guid"); }

}  // namespace ibvf::ipam
