#include "deviceplugin/PodResourcesClient.hpp"

#include <stdexcept>

#include <grpcpp/grpcpp.h>

#include "podresources_v1.grpc.pb.h"

namespace ibvf::dp {

AssignmentMap listPodDevices(const std::filesystem::path& socket, std::chrono::milliseconds timeout) {
    auto channel = grpc::CreateChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials());
    auto stub = v1::PodResourcesLister::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    v1::ListPodResourcesResponse resp;
    const grpc::Status status = stub->List(&ctx, v1::ListPodResourcesRequest(), &resp);
    if (!status.ok())
        throw std::runtime_error("list pod resources at " + socket.string() + ": " + status.error_message() + " (gRPC code " +
                                 std::to_string(static_cast<int>(status.error_code())) + ")");
    AssignmentMap held;
    for (const auto& pod : resp.pod_resources())
        for (const auto& container : pod.containers())
            for (const auto& devices : container.devices())
                for (const auto& id : devices.device_ids())
                    held[id] = PodRef{devices.resource_name(), pod.namespace_(), pod.name(), container.name()};
    return held;
}

std::set<std::string> listAssignedDeviceIds(const std::filesystem::path& socket, std::chrono::milliseconds timeout) {
    std::set<std::string> ids;
    for (const auto& [id, holder] : listPodDevices(socket, timeout)) ids.insert(id);
    return ids;
}

}  // namespace ibvf::dp
