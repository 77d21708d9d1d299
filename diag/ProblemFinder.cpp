#include "diag/ProblemFinder.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "linux/Guid.hpp"

namespace ibvf::diag {
namespace {

// The GUID the VF has, and where it was read: the netdev or the PF (GuidFacts), else its RDMA
// device's port GUID.
std::optional<std::pair<std::string, std::string>> effectiveGuid(const VfFacts& vf) {
    if (vf.guid.value) return std::pair{*vf.guid.value, vf.guid.source};
    if (vf.identity.portGuid) return std::pair{*vf.identity.portGuid, std::string("RDMA device")};
    return std::nullopt;
}

class Finder {
public:
    explicit Finder(NodeReport& report) : r_(report), facts_(report.facts) {}

    void run() {
        r_.problems.clear();
        r_.notes.clear();
        checkPfSelection();
        for (const auto& pf : facts_.pfs) checkPf(pf);
        checkDuplicateGuids();
        checkStaleRecords();
        checkRdma();
        checkDevicePlugin();
    }

private:
    void add(Severity s, std::string kind, std::string subject, std::string message, std::string fix) {
        r_.problems.push_back(Problem{s, std::move(kind), std::move(subject), std::move(message), std::move(fix)});
    }

    void checkPfSelection() {
        if (!facts_.pfs.empty()) return;
        add(Severity::Warning, "no-pfs", "node", "no InfiniBand SR-IOV PF found (none named, none in the device plugin config)",
            "name the PF with --pf NAME, or point --device-plugin-config at the device plugin's config; "
            "a PF is found by itself only when /sys/class/net/<pf>/type is 32 and its device has sriov_totalvfs");
    }

    void checkPf(const PfFacts& pf) {
        const std::string subject = "PF " + pf.netdev;
        if (pf.error) {
            add(Severity::Error, "pf-unusable", subject, *pf.error,
                "check the name with `ip link`; the device plugin config's pfNetdevices/pfNames must name the PF's netdev");
            return;
        }
        if (pf.totalVfs > 0 && pf.numVfs == 0) {
            add(Severity::Warning, "pf-no-vfs", subject,
                "sriov_numvfs=0 on " + pf.netdev + " (sriov_totalvfs=" + std::to_string(pf.totalVfs) + "): no VFs to hand out",
                "enable VFs with \"enableVfs\": true in the device plugin config, or echo " + std::to_string(pf.totalVfs) +
                    " > /sys/class/net/" + pf.netdev + "/device/sriov_numvfs");
        }
        if (pf.vfs.size() < pf.numVfs) {
            add(Severity::Warning, "pf-vfs-incomplete", subject,
                "sriov_numvfs=" + std::to_string(pf.numVfs) + " but only " + std::to_string(pf.vfs.size()) +
                    " virtfn links: VFs are still being created, or the driver failed to create them",
                "look for mlx5 errors in dmesg; echo 0, then the count again, into sriov_numvfs");
        }
        if (pf.link && !pf.link->adminUp) {
            add(Severity::Warning, "pf-link-down", subject, pf.netdev + " is administratively down", "ip link set " + pf.netdev + " up");
        } else if (pf.link && !pf.link->carrier) {
            add(Severity::Warning, "pf-no-carrier", subject, pf.netdev + " is up but has no carrier (port not active)",
                "check the cable and that a subnet manager runs on the fabric (ibstat shows the port state)");
        }
        for (const auto& vf : pf.vfs) checkVf(pf, vf);
    }

    void checkVf(const PfFacts& pf, const VfFacts& vf) {
        const std::string subject = "VF " + vf.pciAddress;
        if (!vf.present) {
            add(Severity::Error, "vf-missing", subject,
                pf.netdev + " lists VF " + std::to_string(vf.index) + " (" + vf.pciAddress + ") but its PCI device is gone",
                "re-create the VFs: echo 0, then the count again, into /sys/class/net/" + pf.netdev +
                    "/device/sriov_numvfs (pods using them must be moved first)");
            return;
        }
        if (vf.error) {
            add(Severity::Error, "vf-unreadable", subject, *vf.error, "check the VF's sysfs entry and the kernel log");
            return;
        }
        if (const auto seen = effectiveGuid(vf)) {
            const auto guid = linux::Guid::parse(seen->first);
            if (guid && !guid->valid()) {
                add(Severity::Error, "vf-zero-guid", subject,
                    "VF " + vf.pciAddress + " has GUID " + seen->first + " (read from the " + seen->second + "): it cannot join the fabric",
                    "set \"guid\" (or runtimeConfig.infinibandGUID) in the netconf, or \"guidPool\"; by hand: ip link set " + pf.netdev +
                        " vf " + std::to_string(vf.index) + " node_guid <guid> port_guid <guid>, then rebind the VF");
            }
        }
        if (vf.driver.empty()) {
            add(Severity::Warning, "vf-unbound", subject, "VF " + vf.pciAddress + " is bound to no driver",
                "echo " + vf.pciAddress + " > /sys/bus/pci/drivers/mlx5_core/bind");
        } else if (!vf.pod && !vf.link && vf.driver != "vfio-pci") {
            add(Severity::Warning, "vf-no-netdev", subject,
                "VF " + vf.pciAddress + " (driver " + vf.driver + ") has no netdev in the host namespace and no ibvf attachment",
                "another CNI plugin may have moved it into a pod; otherwise the driver did not create a netdev: check dmesg, "
                "then unbind and bind the VF");
        }
        if (vf.pod) checkAttachment(*vf.pod, vf);
        if (vf.allocation && vf.allocation->error) {
            add(Severity::Warning, "allocation-unreadable", subject, *vf.allocation->error,
                "remove " + vf.allocation->path + "; the device plugin writes it again on the next Allocate");
        }
    }

    void checkAttachment(const PodFacts& pod, const VfFacts& vf) {
        const std::string subject = "VF " + vf.pciAddress;
        const std::string who = "container " + pod.containerId + " (" + pod.ifname + ")";
        if (pod.guid && pod.phase == "attached") checkGuidAsked(*pod.guid, who, vf);
        if (pod.phase != "attached") {
            add(Severity::Warning, "attachment-incomplete", subject, "the ADD of " + who + " did not finish (phase " + pod.phase + ")",
                "if no ADD is running, the runtime's DEL or a CNI GC rolls it back (state " + pod.statePath + ")");
        }
        if (!pod.netnsExists) {
            add(Severity::Warning, "attachment-netns-gone", subject,
                "VF " + vf.pciAddress + " is recorded as in " + who + " but its network namespace " + pod.netns + " is gone",
                "the runtime's CNI DEL (or GC) returns the VF and releases its addresses; until then ibvf will not hand "
                "the VF out again (state " +
                    pod.statePath + ")");
        }
        if (vf.lease && vf.lease->error) {
            add(Severity::Warning, "lease-unreadable", subject, "leases of network " + pod.network + ": " + *vf.lease->error,
                "check " + vf.lease->dir);
        } else if (vf.lease && vf.lease->addresses.empty() && pod.phase == "attached") {
            add(Severity::Warning, "lease-missing", subject,
                who + " is attached but holds no lease in " + vf.lease->dir + ": its address may be handed out again",
                "restart the pod (CNI DEL + ADD gives it a lease again); if the network sets ipam.dataDir, run "
                "ibvf-diag with --ipam-data-dir pointing there");
        }
    }

    // Every view of the VF's GUID that is known must be the one its attachment gave it: the
    // netdev's or PF's (effectiveGuid), the RDMA device's port GUID, the PF's port GUID.
    void checkGuidAsked(const std::string& asked, const std::string& who, const VfFacts& vf) {
        const auto want = linux::Guid::parse(asked);
        if (!want) return;
        std::vector<std::pair<std::string, std::string>> views;
        if (auto seen = effectiveGuid(vf)) views.push_back(*seen);
        if (vf.identity.portGuid) views.emplace_back(*vf.identity.portGuid, "RDMA device's port GUID");
        if (vf.identity.pfPortGuid) views.emplace_back(*vf.identity.pfPortGuid, "PF's port GUID for the VF");
        std::string differing;
        for (const auto& [value, source] : views) {
            if (linux::Guid::parse(value) == want) continue;
            differing += (differing.empty() ? "" : ", ") + value + " (" + source + ")";
        }
        if (differing.empty()) return;
        add(Severity::Error, "vf-guid-mismatch", "VF " + vf.pciAddress,
            "VF " + vf.pciAddress + " was given GUID " + want->str() + " by the attachment of " + who + " but has " + differing,
            "something changed the VF's GUID after ADD (another CNI plugin, a manual ip link set, a driver reload): "
            "restart the pod so ADD sets it again, and find what else writes VF GUIDs on this node");
    }

    void checkDuplicateGuids() {
        std::map<std::string, std::vector<std::string>> byGuid;
        for (const auto& pf : facts_.pfs)
            for (const auto& vf : pf.vfs) {
                const auto seen = effectiveGuid(vf);
                if (!seen) continue;
                const auto guid = linux::Guid::parse(seen->first);
                if (guid && guid->valid()) byGuid[guid->str()].push_back(vf.pciAddress);
            }
        for (const auto& [guid, vfs] : byGuid) {
            if (vfs.size() < 2) continue;
            std::string list;
            for (const auto& v : vfs) list += (list.empty() ? "" : ", ") + v;
            add(Severity::Error, "vf-duplicate-guid", "VF " + vfs.front(), "VFs " + list + " share GUID " + guid,
                "give each VF its own GUID: a \"guidPool\" derives a distinct one per VF");
        }
    }

    void checkStaleRecords() {
        for (const auto& a : facts_.staleAllocations) {
            if (a.error) {
                add(Severity::Warning, "allocation-unreadable", "allocation " + a.path, *a.error, "remove " + a.path);
                continue;
            }
            add(Severity::Warning, "allocation-stale", "VF " + a.pciAddress,
                "allocation record for a VF that no longer exists (" + a.pciAddress + ", resource " + a.resource + ", allocated " + a.time +
                    ")",
                "ibvf-device-plugin removes it on its next refresh; if it does not run any more, remove " + a.path);
        }
        for (const auto& p : facts_.staleAttachments) {
            add(Severity::Warning, "attachment-stale", "VF " + p.pciAddress,
                "attachment state of container " + p.containerId + " (" + p.ifname + ") names VF " + p.pciAddress +
                    ", which no longer exists",
                "the runtime's CNI DEL (or GC) for that container removes it; state " + p.statePath);
        }
        for (const auto& c : facts_.corruptStates) {
            add(Severity::Error, "attachment-corrupt", "attachment state", c,
                "look at the file and remove it once its VF is back in the host: DEL of that container fails until then");
        }
    }

    void checkRdma() {
        if (!facts_.rdma.netnsMode) {
            r_.notes.push_back("RDMA netns mode unknown: " + facts_.rdma.detail);
            return;
        }
        if (*facts_.rdma.netnsMode != linux::RdmaNetnsMode::Shared) return;
        bool anyRdma = false;
        for (const auto& pf : facts_.pfs)
            for (const auto& vf : pf.vfs) anyRdma = anyRdma || vf.rdmaDevice.has_value();
        if (!anyRdma) {
            r_.notes.emplace_back("RDMA subsystem in shared netns mode (no VF with an RDMA device listed)");
            return;
        }
        add(Severity::Warning, "rdma-netns-shared", "RDMA",
            "RDMA subsystem in shared netns mode: every pod sees every RDMA device of the node",
            "rdmaIsolation needs `rdma system set netns exclusive` (persist it with `options ib_core netns_mode=0` in "
            "/etc/modprobe.d), set before any pod uses RDMA");
    }

    void checkDevicePlugin() {
        const auto& dp = facts_.devicePlugin;
        if (!dp.configPath) {
            r_.notes.emplace_back("no device plugin config: device plugin checks skipped (--device-plugin-config PATH)");
            return;
        }
        if (dp.configError) {
            add(Severity::Error, "device-plugin-config-invalid", "device plugin", *dp.configError,
                "ibvf-diag check-config " + *dp.configPath + " explains it");
            return;
        }
        for (const auto& res : dp.resources) {
            if (res.socketState == "missing") {
                add(Severity::Error, "device-plugin-socket-missing", "device plugin",
                    "device plugin socket missing: " + res.socket + " (resource " + res.name + ")",
                    "is ibvf-device-plugin running on this node? kubectl -n kube-system get pods -o wide | grep ibvf, then "
                    "its log; kubelet must see the socket in " +
                        dp.socketDir);
            } else if (res.socketState == "not-listening") {
                add(Severity::Error, "device-plugin-socket-stale", "device plugin",
                    "nobody serves the device plugin socket " + res.socket + " (resource " + res.name + ")",
                    "ibvf-device-plugin died without removing it: restart the device plugin pod");
            }
            if (res.cdiSpecState == "missing" || res.cdiSpecState == "unreadable") {
                add(Severity::Warning, "cdi-spec-missing", "device plugin",
                    "CDI spec " + res.cdiSpec + " is " + res.cdiSpecState + " (resource " + res.name +
                        "): Allocate answers with device specs instead of CDI names",
                    "the device plugin's log says why it cannot write it; the DaemonSet must mount /var/run/cdi");
            }
            for (const auto& name : res.cdiUnnamed)
                add(Severity::Warning, "cdi-device-without-spec", "device plugin",
                    "device " + name + " of " + res.name + " is named in no CDI spec (" + res.cdiSpec + ")",
                    "the device plugin rewrites its specs within a second of a change: if this stays, see its log");
        }
        for (const auto& p : dp.poolProblems)
            add(Severity::Warning, "device-plugin-pool", "device plugin", p,
                "fix the PF names in the device plugin config, or the PF itself");
    }

    NodeReport& r_;
    const NodeFacts& facts_;
};

}  // namespace

void findProblems(NodeReport& report) { Finder(report).run(); }

}  // namespace ibvf::diag
