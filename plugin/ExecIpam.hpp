#pragma once
#include "plugin/IpamClient.hpp"

namespace ibvf::plugin {

// Runs a CNI IPAM plugin as the spec says: found in CNI_PATH, exec'd directly with the runtime's
// environment (CNI_COMMAND set to the operation) and the network config on stdin.
class ExecIpam final : public IpamClient {
public:
    explicit ExecIpam(std::string type) : type_(std::move(type)) {}
    std::unique_ptr<PendingAllocation> startAdd(const cni::Request& req) override;
    void del(const cni::Request& req) override;
    void check(const cni::Request& req) override;
    void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) override;
    void status(const cni::Request& req) override;

private:
    std::string type_;
};

}  // namespace ibvf::plugin
