#pragma once
#include "ipam/IpamPlugin.hpp"
#include "plugin/IpamClient.hpp"

namespace ibvf::plugin {

// ibvf-ipam linked in: no exec, and the allocation runs on a thread beside the netns move.
class InProcessIpam final : public IpamClient {
public:
    std::unique_ptr<PendingAllocation> startAdd(const cni::Request& req) override;
    void del(const cni::Request& req) override { ipam_.del(req); }
    void check(const cni::Request& req) override { ipam_.check(req); }
    void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) override { ipam_.gc(req, valid); }
    void status(const cni::Request& req) override { ipam_.status(req); }

private:
    ipam::IpamPlugin ipam_;
};

}  // namespace ibvf::plugin
