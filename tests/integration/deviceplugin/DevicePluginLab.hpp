#pragma once
// A node in miniature for the real ibvf-device-plugin: a fake sysfs tree whose PF netdev is a
// real veth end (so link loss is a real netlink event), a fake kubelet serving Registration on
// a temp kubelet.sock, the daemon started with posix_spawn, and a DevicePlugin client.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include <grpcpp/grpcpp.h>

#include "podresources_v1.grpc.pb.h"
#include "support/FakeSysfs.hpp"
#include "support/TestNet.hpp"
#include "v1beta1.grpc.pb.h"

namespace ibvf::test::dp {

using namespace std::chrono_literals;

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Registration server on <dir>/kubelet.sock recording every request.
class FakeKubelet final : public v1beta1::Registration::Service {
public:
    explicit FakeKubelet(std::filesystem::path dir);
    ~FakeKubelet() override;
    grpc::Status Register(grpc::ServerContext*, const v1beta1::RegisterRequest*, v1beta1::Empty*) override;

    // Blocks until at least `count` registrations arrived or the timeout passed.
    std::vector<v1beta1::RegisterRequest> waitForRegistrations(std::size_t count, std::chrono::milliseconds timeout);
    // Stops serving and removes kubelet.sock, as a kubelet restart does.
    void stop();

private:
    std::filesystem::path socket_;
    std::unique_ptr<grpc::Server> server_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<v1beta1::RegisterRequest> requests_;
};

// kubelet's pod-resources API on `socket`: List answers with the pods set last, one container
// each holding the given device IDs of rdma/vhca.
class FakePodResources final : public v1::PodResourcesLister::Service {
public:
    explicit FakePodResources(std::filesystem::path socket);
    ~FakePodResources() override;
    grpc::Status List(grpc::ServerContext*, const v1::ListPodResourcesRequest*, v1::ListPodResourcesResponse*) override;

    // pod name -> device IDs
    void setPods(std::vector<std::pair<std::string, std::vector<std::string>>> pods);
    std::size_t listCalls();

private:
    std::filesystem::path socket_;
    std::unique_ptr<grpc::Server> server_;
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::vector<std::string>>> pods_;
    std::size_t calls_ = 0;
};

// The daemon process. stdout/stderr go to a log file that summary() returns for CHECK messages.
class DaemonProcess {
public:
    // `program`: an absolute path; empty for the built ibvf-device-plugin.
    DaemonProcess(std::vector<std::string> args, std::vector<std::string> env, std::filesystem::path logFile,
                  const std::string& program = {});
    ~DaemonProcess();  // SIGKILL + reap when still running
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Exit status after the process ended on its own within `timeout`: exit code, or
    // 128+signal; nullopt on timeout.
    std::optional<int> waitExit(std::chrono::milliseconds timeout);
    // SIGTERM, then waitExit.
    std::optional<int> terminate(std::chrono::milliseconds timeout = 10s);
    std::string log() const;

private:
    pid_t pid_ = -1;
    std::filesystem::path logFile_;
};

// Client of the plugin's socket with a ListAndWatch stream read on a thread.
class PluginClient {
public:
    explicit PluginClient(const std::filesystem::path& socket);
    ~PluginClient();
    v1beta1::DevicePlugin::Stub& stub() { return *stub_; }

    // Latest ListAndWatch response satisfying `pred` within the timeout (nullopt otherwise).
    std::optional<v1beta1::ListAndWatchResponse> waitForList(const std::function<bool(const v1beta1::ListAndWatchResponse&)>& pred,
                                                             std::chrono::milliseconds timeout);
    std::size_t responsesSeen();
    bool streamEnded();

private:
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<v1beta1::DevicePlugin::Stub> stub_;
    grpc::ClientContext watchContext_;
    std::thread reader_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<v1beta1::ListAndWatchResponse> responses_;
    bool ended_ = false;
};

std::string vfAddress(unsigned pf, unsigned index);  // "0000:<3b+pf>:<dd>.<f>"
std::string pfAddress(unsigned pf);                  // "0000:<3b+pf>:00.0"

// Sets a link admin up/down in the calling namespace (by name).
void setLinkUp(const std::string& name, bool up);

// A lab: one PF (veth end as its netdev, up with carrier) with `vfs` VFs, each with an RDMA
// device mlx5_<i+1> and char devices uverbs<i+1>, umad<i+1>/issm<i+1>.
class DevicePluginLab {
public:
    explicit DevicePluginLab(unsigned vfs);
    ~DevicePluginLab();

    FakeSysfs& sysfs() { return sysfs_; }
    const std::string& pfNetdev() const { return pfVeth_.a(); }
    const std::string& pfPeer() const { return pfVeth_.b(); }
    std::filesystem::path kubeletDir() const { return dir_.path() / "device-plugins"; }
    std::filesystem::path runDir() const { return dir_.path() / "run"; }
    std::filesystem::path devinfoDir() const { return dir_.path() / "devinfo"; }
    std::filesystem::path configPath() const { return dir_.path() / "config.json"; }
    std::filesystem::path logPath() const { return dir_.path() / "daemon.log"; }
    // Where the daemon looks by default, derived from IBVF_KUBELET_DIR (<dir>/device-plugins).
    std::filesystem::path podResourcesSocket() const { return dir_.path() / "pod-resources" / "kubelet.sock"; }
    std::filesystem::path pluginsRegistryDir() const { return dir_.path() / "plugins_registry"; }

    // IBVF_CDI_DIR of the daemon: <dir>/cdi unless set (the podman CDI test uses /var/run/cdi).
    std::filesystem::path cdiDir() const { return cdiDir_.empty() ? dir_.path() / "cdi" : cdiDir_; }
    void setCdiDir(std::filesystem::path dir) { cdiDir_ = std::move(dir); }
    void writeConfig(const std::string& json) const;
    std::vector<std::string> env() const;
    std::unique_ptr<DaemonProcess> startDaemon(std::vector<std::string> extraArgs = {}) const;
    FakeKubelet& kubelet() { return *kubelet_; }
    // Stops the kubelet, deletes the whole socket directory content, starts a new one.
    void restartKubelet();

private:
    TempDir dir_;
    FakeSysfs sysfs_;
    VethPair pfVeth_;
    std::unique_ptr<FakeKubelet> kubelet_;
    std::filesystem::path cdiDir_;
};

bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

}  // namespace ibvf::test::dp
