#pragma once
// `ibvf-ipam-etcd guid`: the GUID leases of "guidSource": "etcd" (EtcdGuidStore.hpp), for `ibvf`,
// which links no etcd client (BackendConfig.hpp says why). The protocol is CNI's: CNI_COMMAND and
// the attachment in the environment, the network config on stdin, errors as CNI error JSON.
// ADD prints a CNI result whose one interface's "mac" is the leased GUID; DEL releases it; GC
// releases this node's GUIDs of attachments not in cni.dev/valid-attachments; STATUS checks etcd.
#include <string>
#include <string_view>
#include <vector>

#include "cni/Dispatch.hpp"

namespace ibvf::ipam {

inline constexpr const char* kGuidCommandArg = "guid";

class GuidPlugin final : public cni::Plugin {
public:
    cni::Result add(const cni::Request& req) override;
    void del(const cni::Request& req) override;
    void check(const cni::Request& req) override;
    void status(const cni::Request& req) override;
    void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) override;
    std::vector<std::string_view> knownCniArgs() const override;
    void configure(const cni::Request& req) override;
};

}  // namespace ibvf::ipam
