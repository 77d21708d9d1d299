#include "DevicePluginLab.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "linux/RouteSocket.hpp"
#include "support/BinaryRunner.hpp"
#include "support/TimeScale.hpp"

extern char** environ;

namespace ibvf::test::dp {
namespace fs = std::filesystem;

TempDir::TempDir() {
    char tmpl[] = "/tmp/ibvf-dp-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

FakeKubelet::FakeKubelet(fs::path dir) : socket_(dir / "kubelet.sock") {
    fs::create_directories(dir);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_.string(), grpc::InsecureServerCredentials());
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (!server_) throw std::runtime_error("fake kubelet cannot listen on " + socket_.string());
}

FakeKubelet::~FakeKubelet() { stop(); }

void FakeKubelet::stop() {
    if (!server_) return;
    server_->Shutdown(std::chrono::system_clock::now() + 1s);
    server_->Wait();
    server_.reset();
    std::error_code ec;
    fs::remove(socket_, ec);
}

grpc::Status FakeKubelet::Register(grpc::ServerContext*, const v1beta1::RegisterRequest* req, v1beta1::Empty*) {
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(*req);
    }
    cv_.notify_all();
    return grpc::Status::OK;
}

std::vector<v1beta1::RegisterRequest> FakeKubelet::waitForRegistrations(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, scaled(timeout), [&] { return requests_.size() >= count; });
    return requests_;
}

FakePodResources::FakePodResources(fs::path socket) : socket_(std::move(socket)) {
    fs::create_directories(socket_.parent_path());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_.string(), grpc::InsecureServerCredentials());
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (!server_) throw std::runtime_error("fake pod-resources cannot listen on " + socket_.string());
}

FakePodResources::~FakePodResources() {
    server_->Shutdown(std::chrono::system_clock::now() + 1s);
    server_->Wait();
    std::error_code ec;
    fs::remove(socket_, ec);
}

grpc::Status FakePodResources::List(grpc::ServerContext*, const v1::ListPodResourcesRequest*, v1::ListPodResourcesResponse* resp) {
    std::lock_guard lock(mutex_);
    ++calls_;
    for (const auto& [name, ids] : pods_) {
        auto* pod = resp->add_pod_resources();
        pod->set_name(name);
        pod->set_namespace_("default");  // protoc appends _ to the C++ keyword
        auto* container = pod->add_containers();
        container->set_name("main");
        auto* devices = container->add_devices();
        devices->set_resource_name("rdma/vhca");
        for (const auto& id : ids) devices->add_device_ids(id);
    }
    return grpc::Status::OK;
}

void FakePodResources::setPods(std::vector<std::pair<std::string, std::vector<std::string>>> pods) {
    std::lock_guard lock(mutex_);
    pods_ = std::move(pods);
}

std::size_t FakePodResources::listCalls() {
    std::lock_guard lock(mutex_);
    return calls_;
}

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::vector<std::string> env, fs::path logFile, const std::string& program)
    : logFile_(std::move(logFile)) {
    const std::string path = program.empty() ? builtBinary("ibvf-device-plugin") : program;
    args.insert(args.begin(), path);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, logFile_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    const int err = posix_spawn(&pid_, path.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (err != 0) throw std::system_error(err, std::generic_category(), "spawn " + path);
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

std::optional<int> DaemonProcess::waitExit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    std::optional<int> result;
    waitUntil(
        [&] {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r != pid_) return false;
            result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            pid_ = -1;
            return true;
        },
        timeout);
    return result;
}

std::optional<int> DaemonProcess::terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, SIGTERM);
    return waitExit(timeout);
}

std::string DaemonProcess::log() const {
    std::ifstream in(logFile_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

PluginClient::PluginClient(const fs::path& socket)
    : channel_(grpc::CreateChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials())),
      stub_(v1beta1::DevicePlugin::NewStub(channel_)) {
    reader_ = std::thread([this] {
        v1beta1::Empty empty;
        auto reader = stub_->ListAndWatch(&watchContext_, empty);
        v1beta1::ListAndWatchResponse resp;
        while (reader->Read(&resp)) {
            std::lock_guard lock(mutex_);
            responses_.push_back(resp);
            cv_.notify_all();
        }
        reader->Finish();
        std::lock_guard lock(mutex_);
        ended_ = true;
        cv_.notify_all();
    });
}

PluginClient::~PluginClient() {
    watchContext_.TryCancel();
    reader_.join();
}

std::optional<v1beta1::ListAndWatchResponse> PluginClient::waitForList(
    const std::function<bool(const v1beta1::ListAndWatchResponse&)>& pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const bool ok = cv_.wait_for(lock, scaled(timeout), [&] { return !responses_.empty() && pred(responses_.back()); });
    if (!ok) return std::nullopt;
    return responses_.back();
}

std::size_t PluginClient::responsesSeen() {
    std::lock_guard lock(mutex_);
    return responses_.size();
}

bool PluginClient::streamEnded() {
    std::lock_guard lock(mutex_);
    return ended_;
}

std::string vfAddress(unsigned pf, unsigned index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0000:%02x:%02x.%x", 0x3b + pf, 1 + index / 8, index % 8);
    return buf;
}

std::string pfAddress(unsigned pf) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0000:%02x:00.0", 0x3b + pf);
    return buf;
}

void setLinkUp(const std::string& name, bool up) {
    linux::RouteSocket rs;
    const auto link = rs.linkByName(name);
    if (!link) throw std::runtime_error("no link " + name);
    rs.setAdminUp(link->ifindex, up);
}

DevicePluginLab::DevicePluginLab(unsigned vfs) : pfVeth_(uniqueName("ibtpf"), uniqueName("ibtpp")) {
    FakePfOptions pf;
    pf.rdmaDevice = "mlx5_0";
    pf.numaNode = 1;
    sysfs_.addPf(pfAddress(0), pfVeth_.a(), 64, pf);
    for (unsigned i = 0; i < vfs; ++i) {
        FakeVfOptions o;
        o.rdmaDevice = "mlx5_" + std::to_string(i + 1);
        sysfs_.addVf(pfAddress(0), i, vfAddress(0, i), o);
        sysfs_.addRdmaCharDevices(*o.rdmaDevice, i + 1, i + 1);
    }
    sysfs_.addRdmaCharDevices("mlx5_0", 0, 0);
    setLinkUp(pfVeth_.b(), true);
    setLinkUp(pfVeth_.a(), true);
    kubelet_ = std::make_unique<FakeKubelet>(kubeletDir());
}

DevicePluginLab::~DevicePluginLab() { kubelet_.reset(); }

void DevicePluginLab::writeConfig(const std::string& json) const {
    std::ofstream out(configPath(), std::ios::trunc);
    out << json;
}

std::vector<std::string> DevicePluginLab::env() const {
    return {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IBVF_SYSFS_ROOT=" + sysfs_.root().string(), "IBVF_KUBELET_DIR=" + kubeletDir().string(),
            "IBVF_RUN_DIR=" + runDir().string(),  "IBVF_DEVINFO_DIR=" + devinfoDir().string(), "IBVF_CDI_DIR=" + cdiDir().string()};
}

std::unique_ptr<DaemonProcess> DevicePluginLab::startDaemon(std::vector<std::string> extraArgs) const {
    std::vector<std::string> args{"--config", configPath().string()};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    return std::make_unique<DaemonProcess>(std::move(args), env(), logPath());
}

void DevicePluginLab::restartKubelet() {
    kubelet_.reset();
    // kubelet wipes the plugin sockets when it starts.
    std::error_code ec;
    for (fs::directory_iterator it(kubeletDir(), ec), end; !ec && it != end; it.increment(ec)) fs::remove(it->path(), ec);
    kubelet_ = std::make_unique<FakeKubelet>(kubeletDir());
}

}  // namespace ibvf::test::dp
