#include "plugin/Attach.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "log/Logging.hpp"
#include "plugin/DeviceInfoFile.hpp"
#include "plugin/EtcdGuids.hpp"
#include "plugin/FaultPoints.hpp"
#include "plugin/IpamClient.hpp"
#include "plugin/IpoibMtu.hpp"
#include "plugin/PartitionChild.hpp"
#include "plugin/PfDriver.hpp"
#include "plugin/PodNetNs.hpp"
#include "plugin/RdmaIsolation.hpp"
#include "plugin/RouteResolution.hpp"
#include "plugin/UndoStack.hpp"
#include "plugin/VfGuid.hpp"
#include "plugin/VfLinkState.hpp"
#include "plugin/VfResolver.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

linux::LinkInfo findVfNetdev(const linux::VfInfo& vf, const linux::Sysfs& sysfs, linux::RouteSocket& host) {
    if (vf.netdevs.empty()) {
        throw Error(ErrorCode::DeviceNotFound, "VF " + vf.pciAddress + " has no netdev",
                    (sysfs.pciDeviceDir(vf.pciAddress) / "net").string() + " is empty (driver '" + vf.driver + "')");
    }
    auto link = host.linkByName(vf.netdevs.front());
    if (!link) {
        throw Error(ErrorCode::DeviceNotFound,
                    "VF " + vf.pciAddress + " netdev " + vf.netdevs.front() + " is not in the host network namespace",
                    "it may already be attached to another pod");
    }
    return *link;
}

// One ADD. Members outlive the undo stack (declared last, destroyed first), so every undo action
// can use them while the stack unwinds after a failure.
class AttachFlow {
public:
    AttachFlow(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx)
        : req_(req),
          env_(req.env),
          cfg_(cfg),
          ctx_(ctx),
          gcHeldOff_(holdOffGc()),
          podNs_(openPodNetNs(env_.netns)),
          hostNs_(linux::NetNs::current()),
          pod_(linux::runInNetNs(podNs_, [] { return linux::RouteSocket(); })) {}

    cni::Result run() {
        // Everything below would then happen to the host itself: the VF renamed, the pod's
        // addresses and routes on the host, and no namespace move for DEL to undo them with.
        if (podNs_.sameAs(hostNs_)) {
            throw Error(ErrorCode::InvalidEnvironment, "CNI_NETNS " + env_.netns + " is the host network namespace",
                        "ibvf attaches VFs to a pod's own network namespace");
        }
        if (ctx_.store.load(env_.containerId, env_.ifname)) throw alreadyAttached();
        claimVf();
        recordIntent();
        faults::reach("attach.intent-recorded");
        startIpam();
        applyGuid();
        applyLinkState();
        if (cfg_.vfioPciMode) return finish(buildVfioResult());
        isolateRdmaDevice();
        moveIntoPod();
        faults::reach("attach.moved");
        createPartitionChild();
        configureInPod();
        publishDeviceInfo();
        return finish(buildResult());
    }

    // After run(): the VF's lock, for the caller to hold until the result is reported.
    std::optional<linux::FileLock> handOverVfLock() {
        if (!vf_) return std::nullopt;
        return std::move(vf_->lock);
    }

private:
    // Shared with every other ADD, exclusive with the IPAM part of a GC, which must not collect
    // an allocation whose attachment state it could not read yet (Detach.cpp).
    linux::FileLock holdOffGc() const {
        auto lock = linux::FileLock::tryAcquire(ctx_.paths.gcLock(), cfg_.lockTimeout, linux::FileLock::Mode::Shared);
        if (!lock) {
            throw Error(
                ErrorCode::TryAgainLater, "a GC is collecting IPAM leftovers",
                "lock " + ctx_.paths.gcLock().string() + " not acquired within " + std::to_string(cfg_.lockTimeout.count()) + " ms");
        }
        return std::move(*lock);
    }

    // A second ADD for the same attachment, before or while the first runs (the state is created
    // exclusively, so of two racing ADDs one gets this).
    Error alreadyAttached() const {
        const auto existing = ctx_.store.load(env_.containerId, env_.ifname);
        return Error(ErrorCode::DeviceBusy, "container " + env_.containerId + " already has " + env_.ifname + " attached",
                     (existing ? "VF " + existing->pciAddress + "; " : std::string()) + "DEL it first");
    }

    cni::Result finish(cni::Result result) {
        state_.phase = node::AttachPhase::Attached;
        state_.result = result;
        ctx_.store.save(state_);
        undo_.commit();
        faults::reach("attach.committed");
        spdlog::info("attached {} ({}) to {} as {}", vf().pciAddress, cfg_.vfioPciMode ? "vfio-pci" : link_.name, env_.netns, env_.ifname);
        return result;
    }

    const linux::VfInfo& vf() const { return vf_->vf; }

    void claimVf() {
        VfResolver resolver(ctx_.sysfs, ctx_.paths, ctx_.store);
        vf_.emplace(resolver.resolve(cfg_, host_));
        log::appendContext("vf=" + vf().pciAddress);

        if (cfg_.vfioPciMode) {
            if (vf().driver != "vfio-pci") {
                throw Error(ErrorCode::InvalidNetworkConfig,
                            "vfioPciMode: VF " + vf().pciAddress + " is bound to '" + vf().driver + "', not vfio-pci",
                            "bind it to vfio-pci (the device plugin's pool should select drivers [\"vfio-pci\"]), "
                            "or drop vfioPciMode");
            }
            return;
        }
        link_ = findVfNetdev(vf(), ctx_.sysfs, host_);
        hostIfindex_ = link_.ifindex;
        if (cfg_.mtu) requireMtuFits(*cfg_.mtu, link_, ctx_.sysfs, vf().pciAddress);
        for (const auto& name : {env_.ifname, cfg_.ipoibChild ? partitionParentName(env_.ifname) : std::string()}) {
            if (!name.empty() && pod_.linkByName(name)) {
                throw Error(ErrorCode::InvalidEnvironment, "interface " + name + " already exists in " + env_.netns,
                            "CNI_IFNAME must name a free interface in the pod");
            }
        }
    }

    void recordIntent() {
        state_.containerId = env_.containerId;
        state_.ifname = env_.ifname;
        state_.network = req_.conf.name;
        state_.netns = env_.netns;
        state_.netnsInode = podNs_.inode();
        state_.netnsCookie = pod_.netnsCookie();  // from the socket already there: no namespace switch
        state_.pciAddress = vf().pciAddress;
        state_.pfPciAddress = vf().pfPciAddress;
        state_.vfIndex = vf().vfIndex;
        state_.hostName = link_.name;
        state_.hostIfindex = link_.ifindex;
        state_.hwaddr = linux::formatHwaddr(link_.hwaddr);
        state_.mtu = link_.mtu;
        state_.adminUp = link_.adminUp;
        state_.ipamType = cfg_.vfioPciMode ? std::string() : cfg_.ipamType;
        state_.vfioPciMode = cfg_.vfioPciMode;
        if (cfg_.pkey) {
            // ib-kubernetes puts the GUID in this partition at the subnet manager; the VF stays
            // CNI_IFNAME (an IPoIB child is ibvf's own "ipoibChild"). Kept as configured.
            std::array<char, 8> text{};
            std::snprintf(text.data(), text.size(), "0x%04x", cfg_.pkey->value());
            state_.partition = text.data();
            spdlog::info("partition {} (the subnet manager enrolls the GUID; nothing is made on the node)", *state_.partition);
        }
        // Before the first change: if we die after this line, DEL and GC know what to put back.
        // The claim comes with the state (one file, two names), claim first: VfResolver found the
        // VF free under its lock, which we hold until the result is reported.
        undo_.push("release the claim on " + vf().pciAddress, [this] { ctx_.store.releaseClaim(vf().pciAddress); });
        if (!ctx_.store.create(state_)) throw alreadyAttached();
        undo_.push("remove the attachment state", [this] { ctx_.store.remove(env_.containerId, env_.ifname); });
    }

    // Started before the move: an exec'd IPAM then runs while the kernel switches namespaces.
    void startIpam() {
        if (cfg_.vfioPciMode) {
            // As ib-sriov-cni: a VM's VF has no netdev here to put addresses on.
            if (!cfg_.ipamType.empty()) spdlog::warn("vfioPciMode: ipam ({}) is not used", cfg_.ipamType);
            return;
        }
        ipam_ = makeIpamClient(cfg_.ipamType);
        if (!ipam_) return;
        undo_.push("release the IPAM allocation", [this] {
            allocation_.reset();  // an allocation still in flight finishes before it is released
            ipam_->del(req_);
        });
        allocation_ = ipam_->startAdd(req_);
        faults::reach("attach.ipam-started");
    }

    linux::VfControl& vfControl() {
        if (!vfControl_) vfControl_ = ctx_.makeVfControl();
        return *vfControl_;
    }

    std::optional<linux::Guid> wantedGuid() {
        if (cfg_.guid) return cfg_.guid;
        if (cfg_.guidSource.source == GuidSource::Etcd) {
            undo_.push("release the GUID lease", [this] { releaseEtcdGuid(req_); });
            return leaseEtcdGuid(req_);
        }
        if (cfg_.guidSource.source != GuidSource::None) return nodeLocalSourceGuid(cfg_.guidSource.source, ctx_.sysfs, vf());
        if (!cfg_.guidPool) return std::nullopt;
        try {
            return cfg_.guidPool->guidFor(vf().pfPciAddress, static_cast<unsigned>(vf().vfIndex));
        } catch (const std::invalid_argument& e) {
            throw Error(ErrorCode::InvalidNetworkConfig, "guidPool has no GUID for VF " + vf().pciAddress, e.what());
        }
    }

    // Node and port GUID through the PF, originals on record first; then a driver rebind so the
    // VF takes them. Without a GUID to set, an IPoIB VF must already have a usable one.
    void applyGuid() {
        const auto guid = wantedGuid();
        if (!guid) {
            requireUsableGuid(link_, vf().pciAddress, vf().vfIndex);
            return;
        }
        const int pf = pfIfindexOf(ctx_.sysfs, host_, vf().pfPciAddress);
        const int index = vf().vfIndex;
        const auto [node, port] = readGuidsToRestore(vfControl(), pf, index, link_, vf().pciAddress);
        state_.originalNodeGuid = node.str();
        state_.originalPortGuid = port.str();
        state_.driver = vf().driver;
        state_.guid = guid->str();
        ctx_.store.save(state_);
        setVfGuids(vfControl(), pf, index, *guid, *guid, vf().pciAddress);
        undo_.push("restore the VF GUID", [this, pf, index, node = node, port = port] {
            setVfGuids(vfControl(), pf, index, node, port, vf().pciAddress);
            rebind();
        });
        rebind();
        faults::reach("attach.guid-set");
        spdlog::info("VF {} GUID {}", vf().pciAddress, guid->str());
    }

    void rebind() {
        if (vf().driver.empty()) return;  // an unbound VF takes its GUID when it is bound
        if (cfg_.vfioPciMode) {
            rebindDriver(ctx_.sysfs, vf().pciAddress, vf().driver);
            return;
        }
        adoptNetdev(rebindVf(ctx_.sysfs, host_, vf().pciAddress, vf().driver));
    }

    // The VF's netdev was re-created (new ifindex, maybe new name, and for IPoIB a new QPN in its
    // hardware address): nothing read before is trusted, and the record follows.
    void adoptNetdev(linux::LinkInfo link) {
        link_ = std::move(link);
        hostIfindex_ = link_.ifindex;
        state_.hostName = link_.name;
        state_.hostIfindex = link_.ifindex;
        state_.hwaddr = linux::formatHwaddr(link_.hwaddr);
        ctx_.store.save(state_);
    }

    // Before the netdev: moving an RDMA device re-creates its IPoIB netdevs in the host namespace,
    // so the netdev is found again (by PCI address) after the move and only then follows.
    void isolateRdmaDevice() {
        if (!cfg_.rdmaIsolation) return;
        auto rdma = openRdmaNetns(ctx_);
        requireExclusiveRdmaNetns(*rdma);
        const auto device = rdmaDeviceOfVf(ctx_.sysfs, vf().pciAddress);  // read again: a rebind renames it
        state_.rdmaDevice = device;
        ctx_.store.save(state_);
        moveRdmaDeviceToPod(*rdma, device, podNs_, vf().pciAddress);
        undo_.push("move RDMA device " + device + " back to the host",
                   [this, device] { linux::runInNetNs(podNs_, [&] { openRdmaNetns(ctx_)->moveToNetns(device, hostNs_.fd()); }); });
        adoptNetdev(waitForVfNetdev(ctx_.sysfs, host_, vf().pciAddress, "moving its RDMA device"));
        faults::reach("attach.rdma-moved");
        spdlog::info("RDMA device {} of VF {} moved into {}", device, vf().pciAddress, env_.netns);
    }

    // Through the PF, with the original on record first so DEL and GC can restore it.
    void applyLinkState() {
        if (!cfg_.linkState) return;
        const int pf = pfIfindexOf(ctx_.sysfs, host_, vf().pfPciAddress);
        const int index = vf().vfIndex;
        const auto original = readVfLinkState(vfControl(), pf, index, vf().pciAddress);
        state_.vfLinkState = static_cast<unsigned>(original);
        ctx_.store.save(state_);
        setVfLinkState(vfControl(), pf, index, *cfg_.linkState, vf().pciAddress);
        undo_.push("restore the VF link state",
                   [this, pf, index, original] { setVfLinkState(vfControl(), pf, index, original, vf().pciAddress); });
        faults::reach("attach.link-state-set");
    }

    void moveIntoPod() {
        if (link_.adminUp) {
            host_.setAdminUp(hostIfindex_, false);
            undo_.push("set " + link_.name + " up again", [this] { host_.setAdminUp(hostIfindex_, true); });
            faults::reach("attach.host-link-down");
        }
        const std::string podName = cfg_.ipoibChild ? partitionParentName(env_.ifname) : env_.ifname;
        try {
            host_.moveToNetNs(hostIfindex_, podNs_.fd(), podName);
        } catch (const linux::KernelError&) {
            // The kernel can complete the move and then refuse the rename (a name clash that
            // appeared after our check): the VF is then in the pod under its host name.
            if (auto stranded = pod_.linkByName(link_.name); stranded && linux::formatHwaddr(stranded->hwaddr) == state_.hwaddr) {
                pod_.moveToNetNs(stranded->ifindex, hostNs_.fd(), link_.name);
                if (auto back = host_.linkByName(link_.name)) hostIfindex_ = back->ifindex;
            }
            throw;
        }
        // The ifindex survives a move unless the target namespace already uses it: look it up.
        auto moved = pod_.linkByName(podName);
        if (!moved) throw Error(ErrorCode::SystemFailure, "VF netdev vanished after the move into " + env_.netns);
        podLink_ = *moved;
        iface_ = podLink_;
        undo_.push("move " + podName + " back to the host as " + link_.name, [this] {
            pod_.setAdminUp(podLink_.ifindex, false);
            pod_.moveToNetNs(podLink_.ifindex, hostNs_.fd(), link_.name);
            if (auto back = host_.linkByName(link_.name)) hostIfindex_ = back->ifindex;
        });
    }

    // The child of the VF for the partition becomes the pod's interface. Its parent must be up:
    // an IPoIB child carries traffic only through an up parent.
    void createPartitionChild() {
        if (!cfg_.ipoibChild) return;
        state_.pkey = cfg_.ipoibChild->str();
        state_.podParentName = podLink_.name;
        ctx_.store.save(state_);
        pod_.setAdminUp(podLink_.ifindex, true);
        const int child = plugin::createPartitionChild(podNs_, podLink_.ifindex, env_.ifname, *cfg_.ipoibChild, vf().pciAddress, ctx_);
        undo_.push("delete partition child " + env_.ifname,
                   [this, child] { linux::runInNetNs(podNs_, [&] { ctx_.makeIpoibLinks()->deleteChild(child); }); });
        state_.childIfindex = child;
        ctx_.store.save(state_);
        auto link = pod_.linkByIndex(child);
        if (!link) throw Error(ErrorCode::SystemFailure, "partition child " + env_.ifname + " vanished after its creation");
        iface_ = *link;
        faults::reach("attach.child-created");
    }

    void configureInPod() {
        const int idx = iface_.ifindex;
        announceAddressChanges();
        if (cfg_.mtu && *cfg_.mtu != iface_.mtu) {
            try {
                pod_.setMtu(idx, *cfg_.mtu);
            } catch (const linux::KernelError& e) {
                if (e.err() != EINVAL) throw;
                throw Error(ErrorCode::InvalidNetworkConfig,
                            "mtu " + std::to_string(*cfg_.mtu) + " is refused by " + env_.ifname + " (VF " + vf().pciAddress + ")",
                            std::string(e.what()) + "; the netdev's limits are shown by `ip -d link show`");
            }
            undo_.push("restore the MTU", [this] { pod_.setMtu(iface_.ifindex, iface_.mtu); });
            faults::reach("attach.mtu-set");
        }
        if (allocation_) {
            ipamResult_ = allocation_->wait();
            allocation_.reset();
            faults::reach("attach.ipam-done");
        }
        for (const auto& ip : ipamResult_.ips) {
            pod_.addAddress(idx, ip.address);
            undo_.push("remove address " + ip.address.toString(), [this, ip] { pod_.deleteAddress(iface_.ifindex, ip.address); });
        }
        if (!ipamResult_.ips.empty()) faults::reach("attach.addresses-added");
        pod_.setAdminUp(idx, true);
        undo_.push("set " + env_.ifname + " down", [this] { pod_.setAdminUp(iface_.ifindex, false); });
        faults::reach("attach.up");
        // Routes after the link is up: the kernel refuses a gateway on a down device.
        for (const auto& route : ipamResult_.routes) {
            auto spec = toRouteSpec(route, ipamResult_.ips, idx);
            pod_.addRoute(spec);
            undo_.push("remove route " + route.dst.toString(), [this, spec] { pod_.deleteRoute(spec); });
        }
        if (!ipamResult_.routes.empty()) faults::reach("attach.routes-added");
    }

    // Neighbours learn the new address at once (gratuitous ARP / unsolicited NA on link up and
    // address change), instead of when their caches time out. The settings belong to the netdev
    // inside the pod and vanish with the move back, so there is nothing to undo.
    void announceAddressChanges() {
        linux::runInNetNs(podNs_, [this] {
            linux::writeProcSys("net/ipv4/conf/" + env_.ifname + "/arp_notify", "1");
            try {
                linux::writeProcSys("net/ipv6/conf/" + env_.ifname + "/ndisc_notify", "1");
            } catch (const linux::KernelError& e) {
                if (e.err() != ENOENT) throw;  // IPv6 disabled in the pod
            }
        });
    }

    // With CNIDeviceInfoFile, Multus shows the pod which PCI and RDMA device it got.
    void publishDeviceInfo() {
        if (!cfg_.deviceInfoFile) return;
        const auto path = confineDeviceInfoPath(*cfg_.deviceInfoFile, ctx_.paths.deviceInfo);
        auto write = plugin::publishDeviceInfo(path, vf().pciAddress, vf().pfPciAddress, state_.rdmaDevice);
        undo_.push("revert the device-info file", [write] { revertDeviceInfo(write); });
        faults::reach("attach.device-info-published");
    }

    // A VM's VF: what the runtime needs to find it, and nothing that would need a netdev.
    cni::Result buildVfioResult() {
        cni::Interface iface;
        iface.name = env_.ifname;
        iface.sandbox = env_.netns;
        iface.pciId = vf().pciAddress;
        cni::Result result = req_.conf.prevResult.value_or(cni::Result{});
        result.interfaces.push_back(std::move(iface));
        if (!cfg_.dns.empty()) result.dns = cfg_.dns;
        return result;
    }

    // Our entry goes after whatever an earlier plugin in the chain reported.
    cni::Result buildResult() {
        const auto now = pod_.linkByIndex(iface_.ifindex);
        cni::Interface iface;
        iface.name = env_.ifname;
        iface.mac = linux::formatHwaddr(now ? now->hwaddr : iface_.hwaddr);
        iface.mtu = now ? now->mtu : iface_.mtu;
        iface.sandbox = env_.netns;
        iface.pciId = vf().pciAddress;

        cni::Result result = req_.conf.prevResult.value_or(cni::Result{});
        const int index = static_cast<int>(result.interfaces.size());
        result.interfaces.push_back(std::move(iface));
        for (auto ip : ipamResult_.ips) {
            ip.interfaceIndex = index;
            result.ips.push_back(std::move(ip));
        }
        result.routes.insert(result.routes.end(), ipamResult_.routes.begin(), ipamResult_.routes.end());
        if (!cfg_.dns.empty())
            result.dns = cfg_.dns;
        else if (!ipamResult_.dns.empty())
            result.dns = ipamResult_.dns;
        return result;
    }

    const cni::Request& req_;
    const cni::Env& env_;
    const PluginConfig& cfg_;
    const PluginContext& ctx_;
    linux::FileLock gcHeldOff_;  // first taken, last released: held through any rollback
    linux::NetNs podNs_;
    linux::NetNs hostNs_;
    linux::RouteSocket host_;
    linux::RouteSocket pod_;
    std::optional<ResolvedVf> vf_;  // holds the VF lock until the flow (and any rollback) is over
    linux::LinkInfo link_;          // the VF netdev as found on the host
    int hostIfindex_ = 0;
    linux::LinkInfo podLink_;  // the VF netdev in the pod
    linux::LinkInfo iface_;    // CNI_IFNAME: the VF netdev, or its partition child
    node::AttachmentState state_;
    std::unique_ptr<linux::VfControl> vfControl_;
    std::unique_ptr<IpamClient> ipam_;
    std::unique_ptr<PendingAllocation> allocation_;
    cni::Result ipamResult_;
    UndoStack undo_;  // last: unwinds while everything above still exists
};

}  // namespace

cni::Result attach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx,
                   std::optional<linux::FileLock>& vfLockUntilReported) {
    requireIbKubernetesHandover(req.conf, cfg);
    AttachFlow flow(req, cfg, ctx);
    auto result = flow.run();
    vfLockUntilReported = flow.handOverVfLock();
    return result;
}

cni::Result attach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx) {
    std::optional<linux::FileLock> dropped;
    return attach(req, cfg, ctx, dropped);
}

}  // namespace ibvf::plugin
