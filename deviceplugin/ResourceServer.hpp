#pragma once
// One resource's DevicePlugin gRPC service on its own unix socket in the device-plugin dir.
// The daemon pushes each refreshed device list with update(); every ListAndWatch stream sends
// the list it holds at start, then each change.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/Discovery.hpp"
#include "deviceplugin/PoolMetrics.hpp"
#include "linux/Sysfs.hpp"
#include "v1beta1.grpc.pb.h"

namespace ibvf::dp {

struct DeviceHealth {
    DeviceRecord device;
    bool healthy = true;
};

class ResourceServer final : public v1beta1::DevicePlugin::Service {
public:
    // `alongside` (not owned, may be null) is served on the same socket: the plugin watcher's
    // Registration service in plugins-registry mode. It must outlive the server. `counters` (may
    // be null) count ListAndWatch updates and time Allocate and GetPreferredAllocation.
    ResourceServer(ResourceConfig config, linux::Sysfs sysfs, AllocationPaths paths, std::filesystem::path socketPath,
                   grpc::Service* alongside = nullptr, std::shared_ptr<PoolCounters> counters = nullptr);
    ~ResourceServer() override;
    ResourceServer(const ResourceServer&) = delete;
    ResourceServer& operator=(const ResourceServer&) = delete;

    const ResourceConfig& config() const { return config_; }
    const std::filesystem::path& socketPath() const { return socketPath_; }

    // Removes a stale socket file and listens; throws std::runtime_error naming the socket.
    void start();
    // Ends every ListAndWatch stream, stops the server, removes the socket. Idempotent.
    void stop();
    bool running() const { return server_ != nullptr; }

    // CDI names for Allocate: `kind` is the pool's CDI kind when its spec is on disk and current,
    // nullopt otherwise (then Allocate answers with DeviceSpecs whatever the mode).
    void setCdi(CdiMode mode, std::optional<std::string> kind);

    // Returns true when the list differs from the one held (and was pushed to the streams).
    bool update(std::vector<DeviceHealth> devices);

    grpc::Status GetDevicePluginOptions(grpc::ServerContext*, const v1beta1::Empty*, v1beta1::DevicePluginOptions*) override;
    grpc::Status ListAndWatch(grpc::ServerContext*, const v1beta1::Empty*, grpc::ServerWriter<v1beta1::ListAndWatchResponse>*) override;
    grpc::Status GetPreferredAllocation(grpc::ServerContext*, const v1beta1::PreferredAllocationRequest*,
                                        v1beta1::PreferredAllocationResponse*) override;
    grpc::Status Allocate(grpc::ServerContext*, const v1beta1::AllocateRequest*, v1beta1::AllocateResponse*) override;
    grpc::Status PreStartContainer(grpc::ServerContext*, const v1beta1::PreStartContainerRequest*,
                                   v1beta1::PreStartContainerResponse*) override;

private:
    v1beta1::ListAndWatchResponse snapshotLocked() const;
    Pool poolLocked() const;

    const ResourceConfig config_;
    const linux::Sysfs sysfs_;
    const AllocationPaths paths_;
    const std::filesystem::path socketPath_;
    grpc::Service* const alongside_;
    const std::shared_ptr<PoolCounters> counters_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<DeviceHealth> devices_;
    std::uint64_t version_ = 0;
    CdiMode cdiMode_ = CdiMode::Off;
    std::optional<std::string> cdiKind_;
    bool stopping_ = false;
    std::mutex allocateMutex_;  // Allocate writes files; one at a time keeps records consistent

    std::unique_ptr<grpc::Server> server_;
};

}  // namespace ibvf::dp
