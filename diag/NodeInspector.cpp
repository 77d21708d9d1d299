#include "diag/NodeInspector.hpp"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "diag/DevicePluginView.hpp"
#include "diag/PfSelection.hpp"
#include "diag/ProblemFinder.hpp"
#include "diag/StateFiles.hpp"
#include "linux/Guid.hpp"
#include "linux/IbIdentity.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::diag {
namespace {

constexpr unsigned kArphrdInfiniband = 32;

LinkFacts linkFactsOf(const linux::LinkInfo& l) {
    return LinkFacts{l.name, l.adminUp, l.carrier, l.mtu, l.arptype, linux::formatHwaddr(l.hwaddr)};
}

bool deviceExists(const linux::Sysfs& sysfs, const std::string& bdf) {
    struct stat st {};
    return linux::isValidPciAddress(bdf) && ::stat(sysfs.pciDeviceDir(bdf).c_str(), &st) == 0;
}

bool isVfOfNode(const linux::Sysfs& sysfs, const std::string& bdf) {
    try {
        sysfs.vf(bdf);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

class Inspector {
public:
    Inspector(const InspectOptions& o, const NodeAccess& n) : opt_(o), node_(n) {}

    NodeReport run() {
        NodeReport report;
        NodeFacts& f = report.facts;
        f.paths = PathFacts{node_.sysfs.root().string(), opt_.state.attachments.string(), opt_.state.allocations.string(),
                            opt_.ipamDataDir.string()};

        auto dp = inspectDevicePlugin(opt_.devicePluginConfig, opt_.defaultDevicePluginConfig, opt_.kubeletDir, node_.sysfs);
        f.devicePlugin = std::move(dp.facts);
        resourcesOf_ = std::move(dp.resourcesOf);

        auto scan = readAttachments(opt_.state.attachments);
        f.corruptStates = std::move(scan.corrupt);
        for (auto& a : scan.attachments) podOf_[a.pciAddress] = std::move(a);
        for (auto& a : readAllocationRecords(opt_.state.allocations)) allocationOf_[a.pciAddress] = std::move(a);

        for (const auto& sel : selectPfs(opt_.pfs, dp.pfNetdevs, node_.sysfs)) f.pfs.push_back(inspectPf(sel.netdev, sel.selectedBy));

        // What is left names no VF of the PFs above: stale when it names no VF of this node at all.
        for (auto& [bdf, a] : allocationOf_)
            if (a.error || !isVfOfNode(node_.sysfs, bdf)) f.staleAllocations.push_back(std::move(a));
        for (auto& [bdf, p] : podOf_)
            if (!isVfOfNode(node_.sysfs, bdf)) f.staleAttachments.push_back(std::move(p));

        f.rdma = rdmaFacts();
        findProblems(report);
        return report;
    }

private:
    PfFacts inspectPf(const std::string& netdev, const std::vector<std::string>& selectedBy) {
        PfFacts pf;
        pf.netdev = netdev;
        pf.selectedBy = selectedBy;
        linux::PfInfo info;
        try {
            info = node_.sysfs.pfByNetdev(netdev);
        } catch (const std::exception& e) {
            pf.error = std::string(e.what());
            return pf;
        }
        pf.pciAddress = info.pciAddress;
        pf.rdmaDevice = info.rdmaDevice;
        pf.totalVfs = info.totalVfs;
        pf.numVfs = info.numVfs;
        pf.linkType = netdevType(node_.sysfs, netdev);
        const auto link = host_.linkByName(netdev);
        if (link) pf.link = linkFactsOf(*link);
        for (std::size_t i = 0; i < info.vfPciAddresses.size(); ++i)
            pf.vfs.push_back(inspectVf(static_cast<unsigned>(i), info.vfPciAddresses[i], link ? link->ifindex : 0));
        return pf;
    }

    VfFacts inspectVf(unsigned index, const std::string& bdf, int pfIfindex) {
        VfFacts vf;
        vf.index = index;
        vf.pciAddress = bdf;
        if (!deviceExists(node_.sysfs, bdf)) {
            vf.present = false;
            return vf;
        }
        linux::VfInfo info;
        try {
            info = node_.sysfs.vf(bdf);
        } catch (const std::exception& e) {
            vf.error = std::string(e.what());
            return vf;
        }
        vf.driver = info.driver;
        vf.rdmaDevice = info.rdmaDevice;
        vf.numaNode = info.numaNode;
        vf.hostNetdevs = info.netdevs;
        if (auto it = resourcesOf_.find(bdf); it != resourcesOf_.end()) vf.resources = it->second;
        if (auto it = allocationOf_.find(bdf); it != allocationOf_.end()) {
            vf.allocation = std::move(it->second);
            allocationOf_.erase(it);
        }
        if (auto it = podOf_.find(bdf); it != podOf_.end()) {
            vf.pod = std::move(it->second);
            podOf_.erase(it);
            if (vf.pod->ipamType == "ibvf-ipam") vf.lease = leasesOf(*vf.pod, opt_.ipamDataDir, opt_.lockTimeout);
        }

        std::optional<linux::LinkInfo> link;
        if (vf.pod && vf.pod->netnsExists) {
            link = linkInPod(*vf.pod);
            vf.linkInPod = link.has_value();
        }
        if (!link && !info.netdevs.empty()) link = host_.linkByName(info.netdevs.front());
        if (link) vf.link = linkFactsOf(*link);
        vf.guid = guidOf(link, pfIfindex, index);
        vf.identity = identityOf(vf, pfIfindex, index);
        return vf;
    }

    // The VF's netdev inside the pod, under the name the attachment gave it.
    std::optional<linux::LinkInfo> linkInPod(const PodFacts& pod) {
        try {
            const auto ns = linux::NetNs::open(pod.netns);
            auto sock = linux::runInNetNs(ns, [] { return linux::RouteSocket(); });
            return sock.linkByName(pod.ifname);
        } catch (const std::exception&) {
            return std::nullopt;  // the namespace went away meanwhile: reported as not found
        }
    }

    // The GUID in effect (the IPoIB hardware address), else what the PF's driver reports.
    GuidFacts guidOf(const std::optional<linux::LinkInfo>& link, int pfIfindex, unsigned index) {
        if (link && link->arptype == kArphrdInfiniband) {
            if (auto g = linux::Guid::fromIpoibHwaddr(link->hwaddr)) return GuidFacts{g->str(), "netdev"};
        }
        if (pfIfindex <= 0 || !node_.makeVfControl) return {};
        try {
            if (!vfControl_) vfControl_ = node_.makeVfControl();
            const auto s = vfControl_->get(pfIfindex, static_cast<int>(index));
            if (const auto g = s.portGuid ? s.portGuid : s.nodeGuid) return GuidFacts{linux::Guid(*g).str(), "pf"};
        } catch (const std::exception&) {
            // No VF information from this PF's driver (always so for the veth stand-ins in tests).
        }
        return {};
    }

    IbIdentityFacts identityOf(const VfFacts& vf, int pfIfindex, unsigned index) {
        IbIdentityFacts id;
        if (vf.rdmaDevice) {
            const auto ib = linux::readIbIdentity(node_.sysfs, *vf.rdmaDevice);
            if (ib.nodeGuid) id.nodeGuid = ib.nodeGuid->str();
            if (ib.portGuid) id.portGuid = ib.portGuid->str();
            if (ib.pkey0) {
                std::array<char, 8> text{};
                std::snprintf(text.data(), text.size(), "0x%04x", static_cast<unsigned>(*ib.pkey0));
                id.pkey0 = text.data();
            }
        }
        if (pfIfindex <= 0 || !node_.makeVfControl) return id;
        try {
            if (!vfControl_) vfControl_ = node_.makeVfControl();
            const auto s = vfControl_->get(pfIfindex, static_cast<int>(index));
            if (s.nodeGuid) id.pfNodeGuid = linux::Guid(*s.nodeGuid).str();
            if (s.portGuid) id.pfPortGuid = linux::Guid(*s.portGuid).str();
        } catch (const std::exception&) {
            // As in guidOf: the PF reports no VF information.
        }
        return id;
    }

    RdmaFacts rdmaFacts() {
        RdmaFacts r;
        try {
            r.netnsMode = node_.makeRdmaNetns()->netnsMode();
        } catch (const std::exception& e) {
            r.detail = e.what();
        }
        return r;
    }

    const InspectOptions& opt_;
    const NodeAccess& node_;
    linux::RouteSocket host_;
    std::unique_ptr<linux::VfControl> vfControl_;
    std::map<std::string, std::vector<std::string>> resourcesOf_;
    std::map<std::string, PodFacts> podOf_;
    std::map<std::string, AllocationFacts> allocationOf_;
};

}  // namespace

InspectOptions InspectOptions::fromEnvironment() {
    InspectOptions o;
    o.kubeletDir = node::kubeletDevicePluginsDir();
    o.ipamDataDir = node::ipamDataDirIn(node::stateRoot());
    o.state = plugin::StatePaths::fromEnvironment();
    return o;
}

NodeAccess NodeAccess::real() {
    return NodeAccess{linux::Sysfs::fromEnvironment(), [] { return std::make_unique<linux::NetlinkVfControl>(); },
                      [] { return std::make_unique<linux::NetlinkRdmaNetns>(); }};
}

NodeReport inspectNode(const InspectOptions& options, const NodeAccess& node) { return Inspector(options, node).run(); }

}  // namespace ibvf::diag
