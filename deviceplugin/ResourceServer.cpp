#include "deviceplugin/ResourceServer.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "deviceplugin/CdiSpec.hpp"
#include "deviceplugin/PreferredAllocation.hpp"

namespace ibvf::dp {

ResourceServer::ResourceServer(ResourceConfig config, linux::Sysfs sysfs, AllocationPaths paths, std::filesystem::path socketPath,
                               grpc::Service* alongside, std::shared_ptr<PoolCounters> counters)
    : config_(std::move(config)),
      sysfs_(std::move(sysfs)),
      paths_(std::move(paths)),
      socketPath_(std::move(socketPath)),
      alongside_(alongside),
      counters_(std::move(counters)) {}

ResourceServer::~ResourceServer() { stop(); }

void ResourceServer::start() {
    if (server_) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = false;
    }
    std::error_code ec;
    std::filesystem::remove(socketPath_, ec);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socketPath_.string(), grpc::InsecureServerCredentials());
    builder.RegisterService(this);
    if (alongside_ != nullptr) builder.RegisterService(alongside_);
    server_ = builder.BuildAndStart();
    if (!server_) throw std::runtime_error("cannot listen on " + socketPath_.string());
}

void ResourceServer::stop() {
    if (!server_) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    // Streams see stopping_ and return; the deadline only bounds a peer that stopped reading.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
    std::error_code ec;
    std::filesystem::remove(socketPath_, ec);
}

void ResourceServer::setCdi(CdiMode mode, std::optional<std::string> kind) {
    std::lock_guard lock(mutex_);
    cdiMode_ = mode;
    cdiKind_ = std::move(kind);
}

namespace {

// Observes the time from construction to destruction into `histogram` (when there is one).
class Timed {
public:
    explicit Timed(metrics::Histogram* histogram) : histogram_(histogram) {}
    ~Timed() {
        if (histogram_ != nullptr) histogram_->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    Timed(const Timed&) = delete;
    Timed& operator=(const Timed&) = delete;

private:
    metrics::Histogram* histogram_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Fills the CDI field or annotation (never both); false when the names cannot be expressed.
bool answerWithCdi(const Pool& pool, const std::vector<std::string>& ids, CdiMode mode, const std::string& kind,
                   v1beta1::ContainerAllocateResponse& out) {
    std::vector<std::string> names;
    for (const auto& id : ids) {
        const auto device = cdi::deviceNameForId(pool, id);
        if (!device) return false;
        std::string name = cdi::qualifiedName(kind, *device);
        // The hca pool's IDs all stand for the one "all" device.
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
    if (names.empty()) return false;
    if (mode == CdiMode::Devices) {
        for (const auto& n : names) out.add_cdi_devices()->set_name(n);
        return true;
    }
    const auto key = cdi::annotationKey(kind, *cdi::deviceNameForId(pool, ids.front()));
    if (!key) return false;
    std::string value;
    for (const auto& n : names) value += (value.empty() ? "" : ",") + n;
    (*out.mutable_annotations())[*key] = value;
    return true;
}

}  // namespace

bool ResourceServer::update(std::vector<DeviceHealth> devices) {
    {
        std::lock_guard lock(mutex_);
        auto same = [](const DeviceHealth& a, const DeviceHealth& b) {
            return a.device.id == b.device.id && a.healthy == b.healthy && a.device.numaNode == b.device.numaNode &&
                   a.device.rdmaDevice == b.device.rdmaDevice && a.device.present == b.device.present;
        };
        if (version_ != 0 && devices.size() == devices_.size() && std::equal(devices.begin(), devices.end(), devices_.begin(), same))
            return false;
        devices_ = std::move(devices);
        ++version_;
    }
    changed_.notify_all();
    return true;
}

v1beta1::ListAndWatchResponse ResourceServer::snapshotLocked() const {
    v1beta1::ListAndWatchResponse resp;
    for (const auto& d : devices_) {
        auto* dev = resp.add_devices();
        dev->set_id(d.device.id);
        dev->set_health(d.healthy ? "Healthy" : "Unhealthy");
        if (d.device.numaNode >= 0) dev->mutable_topology()->add_nodes()->set_id(d.device.numaNode);
    }
    return resp;
}

Pool ResourceServer::poolLocked() const {
    Pool pool{config_, {}, {}};
    pool.devices.reserve(devices_.size());
    for (const auto& d : devices_) pool.devices.push_back(d.device);
    return pool;
}

grpc::Status ResourceServer::GetDevicePluginOptions(grpc::ServerContext*, const v1beta1::Empty*, v1beta1::DevicePluginOptions* options) {
    options->set_pre_start_required(false);
    // Packing only means something for VFs; the hca pool's IDs are interchangeable.
    options->set_get_preferred_allocation_available(config_.mode == PoolMode::Sriov);
    return grpc::Status::OK;
}

grpc::Status ResourceServer::ListAndWatch(grpc::ServerContext* context, const v1beta1::Empty*,
                                          grpc::ServerWriter<v1beta1::ListAndWatchResponse>* writer) {
    std::uint64_t sent = 0;
    for (;;) {
        v1beta1::ListAndWatchResponse resp;
        {
            std::unique_lock lock(mutex_);
            // Wake up now and then to notice a kubelet that went away.
            changed_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || version_ != sent || context->IsCancelled(); });
            if (stopping_ || context->IsCancelled()) return grpc::Status::OK;
            if (version_ == sent) continue;
            sent = version_;
            resp = snapshotLocked();
        }
        if (!writer->Write(resp)) return grpc::Status::OK;
        if (counters_) ++counters_->listAndWatchUpdates;
        spdlog::debug("{}: sent {} devices to kubelet", config_.resourceName(), resp.devices_size());
    }
}

grpc::Status ResourceServer::GetPreferredAllocation(grpc::ServerContext*, const v1beta1::PreferredAllocationRequest* req,
                                                    v1beta1::PreferredAllocationResponse* resp) {
    const Timed timed(counters_ ? &counters_->preferredAllocationSeconds : nullptr);
    Pool pool;
    {
        std::lock_guard lock(mutex_);
        pool = poolLocked();
    }
    for (const auto& cr : req->container_requests()) {
        const std::vector<std::string> available(cr.available_deviceids().begin(), cr.available_deviceids().end());
        const std::vector<std::string> must(cr.must_include_deviceids().begin(), cr.must_include_deviceids().end());
        const auto size = static_cast<std::size_t>(cr.allocation_size() < 0 ? 0 : cr.allocation_size());
        auto* out = resp->add_container_responses();
        for (auto& id : preferredAllocation(pool.devices, available, must, size)) out->add_deviceids(id);
    }
    return grpc::Status::OK;
}

grpc::Status ResourceServer::Allocate(grpc::ServerContext*, const v1beta1::AllocateRequest* req, v1beta1::AllocateResponse* resp) {
    const Timed timed(counters_ ? &counters_->allocateSeconds : nullptr);
    Pool pool;
    CdiMode cdiMode = CdiMode::Off;
    std::optional<std::string> cdiKind;
    {
        std::lock_guard lock(mutex_);
        pool = poolLocked();
        cdiMode = cdiMode_;
        cdiKind = cdiKind_;
    }
    std::lock_guard allocating(allocateMutex_);
    for (const auto& cr : req->container_requests()) {
        const std::vector<std::string> ids(cr.devices_ids().begin(), cr.devices_ids().end());
        try {
            const ContainerAllocation a = allocateContainer(pool, ids, sysfs_, paths_);
            auto* out = resp->add_container_responses();
            for (const auto& [k, v] : a.envs) (*out->mutable_envs())[k] = v;
            if (cdiMode != CdiMode::Off && !cdiKind)
                spdlog::warn("{}: no current CDI spec: answering with device specs", config_.resourceName());
            const bool viaCdi = cdiMode != CdiMode::Off && cdiKind && answerWithCdi(pool, ids, cdiMode, *cdiKind, *out);
            for (const auto& dev : viaCdi ? std::vector<DeviceSpecEntry>{} : a.devices) {
                auto* spec = out->add_devices();
                spec->set_container_path(dev.path);
                spec->set_host_path(dev.path);
                spec->set_permissions(dev.permissions);
            }
            spdlog::info(
                "{}: allocated {}", config_.resourceName(), ids.empty() ? std::string("nothing") : [&] {
                    std::string s;
                    for (const auto& id : ids) s += (s.empty() ? "" : ",") + id;
                    return s;
                }());
        } catch (const std::invalid_argument& e) {
            spdlog::warn("{}: Allocate refused: {}", config_.resourceName(), e.what());
            if (counters_) ++counters_->allocateFailures;
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
        } catch (const std::exception& e) {
            spdlog::error("{}: Allocate failed: {}", config_.resourceName(), e.what());
            if (counters_) ++counters_->allocateFailures;
            return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
        }
    }
    return grpc::Status::OK;
}

grpc::Status ResourceServer::PreStartContainer(grpc::ServerContext*, const v1beta1::PreStartContainerRequest*,
                                               v1beta1::PreStartContainerResponse*) {
    return grpc::Status::OK;
}

}  // namespace ibvf::dp
