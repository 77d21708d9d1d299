#include "deviceplugin/Daemon.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "deviceplugin/AdvertisedVfs.hpp"
#include "deviceplugin/Allocation.hpp"
#include "deviceplugin/CdiSpecWriter.hpp"
#include "deviceplugin/DeviceInventory.hpp"
#include "deviceplugin/Discovery.hpp"
#include "deviceplugin/HealthState.hpp"
#include "deviceplugin/KubeletRegistration.hpp"
#include "deviceplugin/MetricsServer.hpp"
#include "deviceplugin/PluginRegistry.hpp"
#include "deviceplugin/PluginWatcherService.hpp"
#include "deviceplugin/PodAssignments.hpp"
#include "deviceplugin/PodResourcesReclaimer.hpp"
#include "deviceplugin/PoolMetrics.hpp"
#include "deviceplugin/RecordReclaim.hpp"
#include "deviceplugin/ResourceServer.hpp"
#include "deviceplugin/VfMetrics.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/Fd.hpp"
#include "linux/KernelError.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/RouteSocket.hpp"
#include "linux/Sysfs.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::dp {
namespace {

namespace fs = std::filesystem;
constexpr const char* kKubeletSocket = "kubelet.sock";

sigset_t stopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

struct ConfigStamp {
    fs::file_time_type mtime{};
    std::uintmax_t size = 0;
    bool operator==(const ConfigStamp&) const = default;
};

ConfigStamp stampOf(const fs::path& path) {
    std::error_code ec;
    ConfigStamp s;
    s.mtime = fs::last_write_time(path, ec);
    s.size = ec ? 0 : fs::file_size(path, ec);
    return s;
}

struct Served {
    std::unique_ptr<PluginWatcherService> watcher;  // plugins-registry mode; outlives the server
    std::unique_ptr<ResourceServer> server;
    std::shared_ptr<PoolCounters> counters;
    bool registered = false;  // kubelet-sock mode; in plugins-registry mode, as last seen from the watcher
};

class Daemon {
public:
    Daemon(const DaemonOptions& options, Config config)
        : options_(options),
          config_(std::move(config)),
          sysfs_(linux::Sysfs::fromEnvironment()),
          paths_(AllocationPaths::fromEnvironment()),
          configStamp_(stampOf(options.configPath)),
          cdiSpecs_(cdi::SpecWriter::dirFromEnvironment()),
          reclaimer_(options.podResourcesSocket, paths_, options.reclaimInterval, options.recordGrace, &assignments_, &poolMetrics_) {}

    int run() {
        const sigset_t signals = stopSignals();
        linux::Fd sigFd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
        if (!sigFd) linux::throwErrno("signalfd");
        const fs::path socketDir = options_.socketDir();
        linux::makeDirectories(socketDir, 0755);
        linux::Fd inotifyFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!inotifyFd) linux::throwErrno("inotify_init1");
        if (::inotify_add_watch(inotifyFd.get(), socketDir.c_str(), IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM) < 0)
            linux::throwErrno("watch " + socketDir.string());
        // Only that some link changed matters: the PF states are re-read, so an overrun counts too.
        auto links = linux::NetlinkSocket::subscribed(NETLINK_ROUTE, {RTNLGRP_LINK}, "link event");
        startMetrics();

        if (const unsigned n = enableVfs(config_, sysfs_)) spdlog::info("enabled VFs on {} PF(s)", n);
        buildServers();
        refresh();
        ensureServing();
        reclaimer_.runIfDue(std::chrono::steady_clock::now());

        auto lastRefresh = std::chrono::steady_clock::now();
        for (;;) {
            health_.beat();
            // Refresh on a clock, not on poll timeouts: a busy node's stream of link events
            // must not postpone noticing a sriov_numvfs change.
            const auto dueIn = std::chrono::duration_cast<std::chrono::milliseconds>(lastRefresh + options_.refreshInterval -
                                                                                     std::chrono::steady_clock::now());
            pollfd fds[3] = {{sigFd.get(), POLLIN, 0}, {inotifyFd.get(), POLLIN, 0}, {links.fd(), POLLIN, 0}};
            const int n = ::poll(fds, 3, static_cast<int>(std::max<long long>(0, dueIn.count())));
            if (n < 0 && errno != EINTR) linux::throwErrno("poll");
            if (n > 0 && (fds[0].revents & POLLIN) != 0) {
                signalfd_siginfo info{};
                const ssize_t got = ::read(sigFd.get(), &info, sizeof info);
                spdlog::info("signal {}: stopping", got == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo) : 0);
                stopAll();
                withdrawAdvertised();
                return 0;
            }
            if (n > 0 && (fds[1].revents & POLLIN) != 0) readDirectoryEvents(inotifyFd.get());
            const bool linkEvent = n > 0 && (fds[2].revents & POLLIN) != 0 && links.drain().any();
            if (linkEvent || std::chrono::steady_clock::now() >= lastRefresh + options_.refreshInterval) {
                reloadConfigIfChanged();
                refresh();
                lastRefresh = std::chrono::steady_clock::now();
            }
            ensureServing();
            reclaimer_.runIfDue(std::chrono::steady_clock::now());
        }
    }

private:
    // Off unless an address is given. A port that cannot be bound stops the start: the probes
    // and the scrape configuration expect it.
    void startMetrics() {
        const std::string address = options_.metricsAddress.empty() ? config_.metricsAddress : options_.metricsAddress;
        if (address.empty()) return;
        vfMetrics_ = std::make_unique<VfMetrics>(
            inventory_, assignments_, attachmentPlacements(node::attachmentsDirIn(node::stateRoot())), sysfs_, paths_,
            config_.metricsKeepFilesOpen ? linux::RdmaPortCounterCache::KeepFiles::Yes : linux::RdmaPortCounterCache::KeepFiles::No,
            config_.metricsReadThreads == 0 ? defaultMetricsReadThreads() : config_.metricsReadThreads);
        metricsServer_ = std::make_unique<MetricsServer>(metrics::parseListenAddress(address),
                                                         makePluginRegistry(poolMetrics_, inventory_, paths_, *vfMetrics_), health_);
        spdlog::info("serving metrics on http://{}/metrics (probes /healthz, /readyz)", metrics::parseListenAddress(address).toString());
    }

    void buildServers() {
        servers_.clear();
        for (const auto& r : config_.resources) {
            Served s;
            if (options_.registrationMode == RegistrationMode::PluginsRegistry)
                s.watcher = std::make_unique<PluginWatcherService>(r.resourceName());
            s.counters = poolMetrics_.pool(r.resourceName());
            s.server =
                std::make_unique<ResourceServer>(r, sysfs_, paths_, options_.socketDir() / socketNameFor(r), s.watcher.get(), s.counters);
            servers_.push_back(std::move(s));
        }
    }

    void stopAll() {
        for (auto& s : servers_) s.server->stop();
    }

    // Only on a real stop: while the daemon runs (config reloads included) the VFs stay offered.
    void withdrawAdvertised() {
        try {
            linux::removeFile(advertisedVfsFile(paths_));
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what());
        }
    }

    void publishAdvertised(const std::vector<Pool>& pools) {
        std::string json = advertisedVfsJson(pools);
        if (json == advertised_) return;
        try {
            const fs::path file = advertisedVfsFile(paths_);
            linux::makeDirectories(file.parent_path(), 0755);
            linux::writeFileAtomic(file, json, 0644, linux::Durability::CrashSafe);
            advertised_ = std::move(json);
        } catch (const std::exception& e) {
            spdlog::warn("publish advertised VFs: {}", e.what());
        }
    }

    void readDirectoryEvents(int fd) {
        alignas(inotify_event) char buf[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return;
            for (char* p = buf; p < buf + n;) {
                const auto* ev = reinterpret_cast<const inotify_event*>(p);
                const std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
                if (name == kKubeletSocket && (ev->mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
                    // A new kubelet forgets every plugin: register all again.
                    spdlog::info("{} re-created: registering again", kKubeletSocket);
                    for (auto& s : servers_) s.registered = false;
                }
                p += sizeof(inotify_event) + ev->len;
            }
        }
    }

    // Our sockets are wiped when kubelet restarts; a server whose socket is gone is restarted
    // (and so must register again).
    void ensureServing() {
        for (auto& s : servers_) {
            std::error_code ec;
            if (s.server->running() && !fs::exists(s.server->socketPath(), ec)) {
                spdlog::info("{} was removed: serving it again", s.server->socketPath().string());
                s.server->stop();
            }
            if (!s.server->running()) {
                try {
                    s.server->start();
                    s.registered = false;
                } catch (const std::exception& e) {
                    spdlog::error("{}: {}", s.server->config().resourceName(), e.what());
                    continue;
                }
            }
        }
        registerAll();
        noteReadiness();
    }

    void registerAll() {
        // In plugins-registry mode kubelet comes to us; its verdict is counted when it changes.
        if (options_.registrationMode != RegistrationMode::KubeletSock) {
            for (auto& s : servers_) {
                const bool now = s.watcher && s.watcher->registered();
                if (now && !s.registered) ++s.counters->registrations;
                s.registered = now;
            }
            return;
        }
        const fs::path kubelet = options_.pluginDir / kKubeletSocket;
        std::error_code ec;
        if (!fs::exists(kubelet, ec)) return;
        for (auto& s : servers_) {
            if (s.registered || !s.server->running()) continue;
            try {
                registerWithKubelet(kubelet, s.server->socketPath().filename().string(), s.server->config(),
                                    std::chrono::milliseconds(3000));
                s.registered = true;
                ++s.counters->registrations;
                spdlog::info("registered {} at {}", s.server->config().resourceName(), s.server->socketPath().string());
            } catch (const std::exception& e) {
                spdlog::warn("{}; retrying", e.what());
            }
        }
    }

    // Ready: every resource served and registered with kubelet.
    void noteReadiness() {
        std::string why;
        for (const auto& s : servers_) {
            const std::string name = s.server->config().resourceName();
            if (!s.server->running())
                why += (why.empty() ? "" : "; ") + name + ": not serving its socket";
            else if (!s.registered)
                why += (why.empty() ? "" : "; ") + name + ": not registered with kubelet";
        }
        if (servers_.empty()) why = "no resources configured";
        health_.setReadiness(why.empty(), why);
    }

    void reloadConfigIfChanged() {
        const ConfigStamp now = stampOf(options_.configPath);
        if (now == configStamp_) return;
        configStamp_ = now;
        try {
            Config fresh = loadConfig(options_.configPath);
            spdlog::info("config {} changed: applying", options_.configPath.string());
            stopAll();
            config_ = std::move(fresh);
            if (const unsigned n = enableVfs(config_, sysfs_)) spdlog::info("enabled VFs on {} PF(s)", n);
            buildServers();
        } catch (const std::exception& e) {
            spdlog::error("{}; keeping the previous config", e.what());
        }
    }

    std::map<std::string, bool> pfLinkStates(const std::vector<Pool>& pools) {
        std::map<std::string, bool> up;
        for (const auto& p : pools)
            for (const auto& d : p.devices)
                if (!d.pfNetdev.empty() && !up.count(d.pfNetdev)) {
                    const auto link = route_.linkByName(d.pfNetdev);
                    up[d.pfNetdev] = link && link->adminUp && link->carrier;
                }
        return up;
    }

    // Before the device lists go out, so kubelet never allocates a VF whose spec is not written.
    // With cdi "off" the spec directory is left alone.
    void publishCdiSpecs(const std::vector<Pool>& pools) {
        std::vector<std::optional<std::string>> kinds(pools.size());
        if (config_.cdi != CdiMode::Off) kinds = cdiSpecs_.sync(pools, sysfs_);
        for (std::size_t i = 0; i < kinds.size() && i < servers_.size(); ++i) servers_[i].server->setCdi(config_.cdi, kinds[i]);
    }

    void refresh() {
        std::vector<Pool> pools;
        std::map<std::string, bool> up;
        const auto started = std::chrono::steady_clock::now();
        try {
            pools = discover(config_, sysfs_);
            up = pfLinkStates(pools);
        } catch (const std::exception& e) {
            spdlog::error("discovery: {}", e.what());
            return;
        }
        poolMetrics_.observeDiscovery(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        std::vector<InventoryPool> inventory;
        publishCdiSpecs(pools);
        bool anyProblem = false;
        for (std::size_t i = 0; i < pools.size() && i < servers_.size(); ++i) {
            const Pool& pool = pools[i];
            anyProblem = anyProblem || !pool.problems.empty();
            auto& reported = problems_[pool.config.resourceName()];
            if (reported != pool.problems) {
                for (const auto& p : pool.problems) spdlog::warn("{}: {}", pool.config.resourceName(), p);
                reported = pool.problems;
            }
            std::vector<DeviceHealth> devices;
            devices.reserve(pool.devices.size());
            for (const auto& d : pool.devices) {
                const bool healthy = d.present && (d.pfNetdev.empty() || up[d.pfNetdev]);
                devices.push_back(DeviceHealth{d, healthy});
            }
            std::size_t healthy = 0;
            for (const auto& d : devices) healthy += d.healthy ? 1 : 0;
            const std::size_t total = devices.size();
            InventoryPool& published = inventory.emplace_back();
            published.resource = pool.config.resourceName();
            published.mode = pool.config.mode;
            for (const auto& d : devices) published.devices.push_back(InventoryDevice{d.device, d.healthy});
            if (servers_[i].server->update(std::move(devices)))
                spdlog::info("{}: {} devices, {} healthy", pool.config.resourceName(), total, healthy);
        }
        inventory_.publish(std::move(inventory));
        publishAdvertised(pools);
        // Only with a complete picture: a PF missing for a moment must not cost its VFs' records.
        if (!anyProblem) {
            try {
                if (const auto n = reclaimVanishedRecords(pools, paths_)) {
                    spdlog::info("reclaimed {} allocation record(s) of VFs that no longer exist", n);
                    poolMetrics_.addReclaimed(ReclaimReason::VfVanished, n);
                }
            } catch (const std::exception& e) {
                spdlog::warn("reclaim allocation records: {}", e.what());
            }
        }
    }

    DaemonOptions options_;
    Config config_;
    linux::Sysfs sysfs_;
    AllocationPaths paths_;
    ConfigStamp configStamp_;
    cdi::SpecWriter cdiSpecs_;
    linux::RouteSocket route_;
    std::vector<Served> servers_;
    std::map<std::string, std::vector<std::string>> problems_;
    // Before the reclaimer, which reports into them; read by the metrics endpoint's thread.
    PoolMetrics poolMetrics_;
    PodAssignments assignments_;
    DeviceInventory inventory_;
    HealthState health_;
    PodResourcesReclaimer reclaimer_;
    std::string advertised_;  // content last written to advertised.json
    std::unique_ptr<VfMetrics> vfMetrics_;
    std::unique_ptr<MetricsServer> metricsServer_;  // last: its thread reads the members above
};

}  // namespace

void blockStopSignals() {
    const sigset_t set = stopSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int runDaemon(const DaemonOptions& options, Config config) {
    Daemon daemon(options, std::move(config));
    return daemon.run();
}

}  // namespace ibvf::dp
