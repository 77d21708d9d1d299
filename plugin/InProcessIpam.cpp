#include "plugin/InProcessIpam.hpp"

#include <future>


namespace ibvf::plugin {
namespace {

class PendingThread final : public PendingAllocation {
public:
    explicit PendingThread(std::future<cni::Result> f) : future_(std::move(f)) {}
    cni::Result wait() override { return future_.get(); }

private:
    std::future<cni::Result> future_;  // its destructor joins a thread nobody waited for
};

}  // namespace

std::unique_ptr<PendingAllocation> InProcessIpam::startAdd(const cni::Request& req) {
    return std::make_unique<PendingThread>(std::async(std::launch::async, [this, &req] { return ipam_.add(req); }));
}

}  // namespace ibvf::plugin
