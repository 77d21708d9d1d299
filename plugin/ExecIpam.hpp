#pragma once
#include "linux/ChildProcess.hpp"
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
    bool startsProcess(const cni::Request& req) const override;

private:
    std::string type_;
};

// The executable `type` in CNI_PATH; cni::Error(IpamFailure) listing the directories searched.
std::string findInCniPath(const std::string& type, const std::vector<std::string>& path);

// A delegate's failure keeps its own code and message, prefixed with who said it ("IPAM plugin
// '<type>': "); output that is no CNI error becomes IpamFailure with the exit status.
[[noreturn]] void throwDelegateError(const std::string& type, const linux::ProcessResult& r);

}  // namespace ibvf::plugin
