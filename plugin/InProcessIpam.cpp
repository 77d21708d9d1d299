#include "plugin/InProcessIpam.hpp"

namespace ibvf::plugin {

std::unique_ptr<PendingAllocation> InProcessIpam::startAdd(const cni::Request& req) {
    return allocateInBackground([this, &req] { return ipam_.add(req); });
}

}  // namespace ibvf::plugin
