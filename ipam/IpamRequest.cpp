#include "ipam/IpamRequest.hpp"

#include "ipam/IpamConfig.hpp"
#include "log/Logging.hpp"

namespace ibvf::ipam {

AttachmentKey attachmentKeyOf(const cni::Request& req) { return {req.env.containerId, req.env.ifname}; }

std::vector<AttachmentKey> keepListOf(const std::vector<cni::Attachment>& valid) {
    std::vector<AttachmentKey> keep;
    keep.reserve(valid.size());
    for (const auto& a : valid) keep.push_back({a.containerId, a.ifname});
    return keep;
}

std::vector<std::string_view> ipamCniArgs() {
    return {"IP", "K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"};
}

void setupIpamLogging(const cni::Request& req, const std::string& program, std::string_view tag) {
    const LogSettings s = logSettingsOf(req.conf);
    log::LogOptions opts;
    opts.program = program;
    opts.level = s.level;
    opts.file = s.file;
    opts.defaultFile = true;
    if (!req.env.containerId.empty()) {
        opts.context = std::string(tag) + (tag.empty() ? "" : " ") + "net=" + req.conf.name + " cid=" + req.env.containerId.substr(0, 12) +
                       " if=" + req.env.ifname;
    }
    log::setup(opts);
}

}  // namespace ibvf::ipam
