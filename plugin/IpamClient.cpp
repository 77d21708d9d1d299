#include "plugin/IpamClient.hpp"

#include <future>

#include "plugin/ExecIpam.hpp"
#include "plugin/InProcessIpam.hpp"

namespace ibvf::plugin {
namespace {

class PendingThread final : public PendingAllocation {
public:
    explicit PendingThread(std::future<cni::Result> f) : future_(std::move(f)) {}
    cni::Result wait() override { return future_.get(); }

private:
    std::future<cni::Result> future_;  // its destructor joins a thread nobody waited for
};

class PendingCall final : public PendingAllocation {
public:
    explicit PendingCall(std::function<cni::Result()> allocate) : allocate_(std::move(allocate)) {}
    cni::Result wait() override { return allocate_(); }

private:
    std::function<cni::Result()> allocate_;
};

}  // namespace

std::unique_ptr<PendingAllocation> allocateWhenCollected(std::function<cni::Result()> allocate) {
    return std::make_unique<PendingCall>(std::move(allocate));
}

std::unique_ptr<PendingAllocation> allocateInBackground(std::function<cni::Result()> allocate) {
    return std::make_unique<PendingThread>(std::async(std::launch::async, std::move(allocate)));
}

std::unique_ptr<IpamClient> makeIpamClient(const std::string& type) {
    if (type.empty()) return nullptr;
    if (type == kBundledIpamType) return std::make_unique<InProcessIpam>();
    return std::make_unique<ExecIpam>(type);
}

}  // namespace ibvf::plugin
