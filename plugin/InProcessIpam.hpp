#pragma once
#include "ipam/IpamPlugin.hpp"
#include "plugin/ExecIpam.hpp"
#include "plugin/IpamClient.hpp"

namespace ibvf::plugin {

// ibvf-ipam linked in: no exec, and the allocation runs on a thread beside the netns move.
// A network whose leases are in etcd goes to ibvf-ipam-etcd, exec'd from CNI_PATH like any other
// IPAM: the etcd store and OpenSSL are not linked into ibvf (ipam/BackendConfig.hpp says why).
class InProcessIpam final : public IpamClient {
public:
    InProcessIpam();
    std::unique_ptr<PendingAllocation> startAdd(const cni::Request& req) override;
    void del(const cni::Request& req) override;
    void check(const cni::Request& req) override;
    void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) override;
    void status(const cni::Request& req) override;
    bool startsProcess(const cni::Request& req) const override;

private:
    ipam::IpamPlugin ipam_;
    ExecIpam etcd_;
};

}  // namespace ibvf::plugin
