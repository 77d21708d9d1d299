#pragma once
// What ibvf-ipam (IpamPlugin) and `ibvf-ipam-etcd guid` (GuidPlugin) take alike from a CNI
// request: the attachment a lease belongs to, GC's keep-list, the CNI_ARGS they accept and their
// logging set-up.
#include <string>
#include <string_view>
#include <vector>

#include "cni/Dispatch.hpp"
#include "ipam/LeaseBackend.hpp"

namespace ibvf::ipam {

// (CNI_CONTAINERID, CNI_IFNAME)
AttachmentKey attachmentKeyOf(const cni::Request& req);
// The attachments GC must keep: cni.dev/valid-attachments.
std::vector<AttachmentKey> keepListOf(const std::vector<cni::Attachment>& valid);
// IP is ours; the K8S_* ones are what every Kubernetes runtime passes.
std::vector<std::string_view> ipamCniArgs();
// logLevel/logFile from the ipam section or the top level, else <program>.log in the log
// directory; each line carries `tag` (may be empty), the network, container and interface.
void setupIpamLogging(const cni::Request& req, const std::string& program, std::string_view tag);

}  // namespace ibvf::ipam
