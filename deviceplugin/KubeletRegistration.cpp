#include "deviceplugin/KubeletRegistration.hpp"

#include <stdexcept>

#include <grpcpp/grpcpp.h>

#include "v1beta1.grpc.pb.h"

namespace ibvf::dp {

void registerWithKubelet(const std::filesystem::path& kubeletSocket, const std::string& endpoint, const ResourceConfig& resource,
                         std::chrono::milliseconds timeout) {
    auto channel = grpc::CreateChannel("unix:" + kubeletSocket.string(), grpc::InsecureChannelCredentials());
    auto stub = v1beta1::Registration::NewStub(channel);
    v1beta1::RegisterRequest req;
    req.set_version(kDevicePluginApiVersion);
    req.set_endpoint(endpoint);
    req.set_resource_name(resource.resourceName());
    req.mutable_options()->set_pre_start_required(false);
    req.mutable_options()->set_get_preferred_allocation_available(resource.mode == PoolMode::Sriov);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    // kubelet.sock may appear a moment before kubelet listens on it: wait for readiness
    // within the deadline instead of failing at once.
    ctx.set_wait_for_ready(true);
    v1beta1::Empty resp;
    const grpc::Status status = stub->Register(&ctx, req, &resp);
    if (!status.ok())
        throw std::runtime_error("register " + resource.resourceName() + " with kubelet at " + kubeletSocket.string() + ": " +
                                 status.error_message() + " (gRPC code " + std::to_string(static_cast<int>(status.error_code())) + ")");
}

}  // namespace ibvf::dp
