#include "plugin/IbvfPlugin.hpp"

#include "log/Logging.hpp"
#include "plugin/Attach.hpp"
#include "plugin/Check.hpp"
#include "plugin/Detach.hpp"
#include "plugin/IpamClient.hpp"

namespace ibvf::plugin {

IbvfPlugin::IbvfPlugin() : ctx_(PluginContext::fromEnvironment()) {}

void IbvfPlugin::configure(const cni::Request& req) {
    cfg_ = PluginConfig::parse(req.conf);
    std::string context;
    if (!req.env.containerId.empty()) context = "cid=" + req.env.containerId.substr(0, 12);
    if (!req.env.ifname.empty()) context += (context.empty() ? "" : " ") + std::string("if=") + req.env.ifname;
    log::setup({"ibvf", cfg_->logLevel, cfg_->logFile, context, /*defaultFile=*/true});
}

cni::Result IbvfPlugin::add(const cni::Request& req) { return attach(req, *cfg_, ctx_, vfLockUntilReported_); }
void IbvfPlugin::del(const cni::Request& req) { detach(req, *cfg_, ctx_); }
void IbvfPlugin::check(const cni::Request& req) { plugin::check(req, *cfg_, ctx_); }

void IbvfPlugin::status(const cni::Request& req) {
    ctx_.store.checkWritable();
    if (auto ipam = makeIpamClient(cfg_->ipamType)) ipam->status(req);
}

void IbvfPlugin::gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) { collectGarbage(req, *cfg_, ctx_, valid); }

std::vector<std::string_view> IbvfPlugin::knownCniArgs() const {
    // What containerd and CRI-O pass, plus IP= for requested addresses (handled by the IPAM).
    return {"K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID", "IP"};
}

}  // namespace ibvf::plugin
