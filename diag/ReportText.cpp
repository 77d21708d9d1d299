#include "diag/ReportText.hpp"

#include "diag/TextTable.hpp"

namespace ibvf::diag {
namespace {

std::string orDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string counted(std::size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string joined(const std::vector<std::string>& items, const char* sep = ",") {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
    return out;
}

std::string linkTypeName(int type) {
    if (type == 32) return "infiniband";
    if (type == 1) return "ether";
    return type < 0 ? "?" : std::to_string(type);
}

// Container IDs are 64 hex digits; 12 tell them apart, as docker and crictl show them.
std::string shortId(const std::string& id) { return id.size() > 12 ? id.substr(0, 12) : id; }

std::string netdevColumn(const VfFacts& vf) {
    if (vf.linkInPod && vf.link) return vf.link->name + " (in pod)";
    if (vf.link) return vf.link->name;
    if (vf.pod) return vf.pod->ifname + " (pod, " + (vf.pod->netnsExists ? "not found" : "netns gone") + ")";
    return vf.hostNetdevs.empty() ? "-" : vf.hostNetdevs.front() + " (not in host netns)";
}

std::string leaseColumn(const VfFacts& vf) {
    if (!vf.pod) return "-";
    if (vf.lease) {
        if (vf.lease->error) return "unreadable";
        return vf.lease->addresses.empty() ? "none" : joined(vf.lease->addresses);
    }
    // Another IPAM: the addresses the ADD returned.
    return vf.pod->addresses.empty() ? "-" : joined(vf.pod->addresses) + " (" + orDash(vf.pod->ipamType) + ")";
}

void printDevicePlugin(const DevicePluginFacts& dp, std::ostream& out) {
    out << "Device plugin: ";
    if (!dp.configPath) {
        out << "no config\n";
        return;
    }
    out << "config " << *dp.configPath;
    if (dp.configError) {
        out << " (invalid)\n";
        return;
    }
    out << ", sockets in " << dp.socketDir << "\n";
    for (const auto& r : dp.resources) {
        out << "  " << r.name << ": " << r.socketState << " (" << r.socket << ")\n";
        if (!r.cdiSpec.empty()) out << "    CDI spec: " << r.cdiSpecState << " (" << r.cdiSpec << ")\n";
    }
}

void printVfs(const PfFacts& pf, std::ostream& out) {
    TextTable t({"VF", "PCI", "DRIVER", "RDMA", "NETDEV", "LINK", "GUID", "RESOURCE", "ALLOCATED", "POD", "NETWORK", "LEASE"});
    for (const auto& vf : pf.vfs) {
        if (!vf.present || vf.error) {
            t.add({std::to_string(vf.index), vf.pciAddress, vf.present ? "unreadable" : "missing"});
            continue;
        }
        t.add({std::to_string(vf.index), vf.pciAddress, orDash(vf.driver), vf.rdmaDevice.value_or("-"), netdevColumn(vf),
               vf.link ? std::string(linkStateName(*vf.link)) : "-", vf.guid.value.value_or("unknown"), orDash(joined(vf.resources)),
               vf.allocation ? (vf.allocation->error ? "unreadable" : vf.allocation->time) : "-",
               vf.pod ? shortId(vf.pod->containerId) + "/" + vf.pod->ifname : "-", vf.pod ? orDash(vf.pod->network) : "-",
               leaseColumn(vf)});
    }
    t.print(out, "  ");
}

// InfiniBand identity: what the RDMA device shows (sysfs), what the PF reports for the VF, and
// what the attachment asked for.
void printIdentity(const PfFacts& pf, std::ostream& out) {
    TextTable t({"VF", "PCI", "NODE GUID", "PORT GUID", "PKEY[0]", "PF: NODE GUID", "PF: PORT GUID", "ASKED", "PARTITION"});
    for (const auto& vf : pf.vfs) {
        if (!vf.present || vf.error) continue;
        const auto& id = vf.identity;
        t.add({std::to_string(vf.index), vf.pciAddress, id.nodeGuid.value_or("-"), id.portGuid.value_or("-"), id.pkey0.value_or("-"),
               id.pfNodeGuid.value_or("-"), id.pfPortGuid.value_or("-"), vf.pod && vf.pod->guid ? *vf.pod->guid : "-",
               vf.pod && vf.pod->partition ? *vf.pod->partition : "-"});
    }
    t.print(out, "  ");
}

}  // namespace

void printReportText(const NodeReport& report, std::ostream& out) {
    const auto& f = report.facts;
    // Why a value is unknown is a note, printed at the end.
    out << "RDMA netns mode: " << (f.rdma.netnsMode ? linux::rdmaNetnsModeName(*f.rdma.netnsMode) : "unknown") << "\n";
    printDevicePlugin(f.devicePlugin, out);
    out << "\n";

    TextTable pfs({"PF", "PCI", "RDMA", "TYPE", "LINK", "MTU", "VFS", "TOTALVFS", "SELECTED BY"});
    for (const auto& pf : f.pfs) {
        if (pf.error) {
            pfs.add({pf.netdev, "-", "-", "-", "-", "-", "-", "-", joined(pf.selectedBy)});
            continue;
        }
        pfs.add({pf.netdev, pf.pciAddress, pf.rdmaDevice.value_or("-"), linkTypeName(pf.linkType),
                 pf.link ? std::string(linkStateName(*pf.link)) : "absent", pf.link ? std::to_string(pf.link->mtu) : "-",
                 std::to_string(pf.numVfs), std::to_string(pf.totalVfs), joined(pf.selectedBy)});
    }
    if (f.pfs.empty()) {
        out << "No PFs.\n";
    } else {
        pfs.print(out);
    }
    for (const auto& pf : f.pfs) {
        if (pf.error || pf.vfs.empty()) continue;
        out << "\nVFs of " << pf.netdev << ":\n";
        printVfs(pf, out);
        out << "\nInfiniBand identity of " << pf.netdev << "'s VFs:\n";
        printIdentity(pf, out);
    }

    out << "\n";
    if (report.problems.empty()) {
        out << "No problems found.\n";
    } else {
        out << "Problems (" << counted(report.count(Severity::Error), "error") << ", "
            << counted(report.count(Severity::Warning), "warning") << "):\n";
        for (const auto& p : report.problems) {
            out << "  " << severityName(p.severity) << "  [" << p.kind << "] " << p.message << "\n";
            out << "    fix: " << p.fix << "\n";
        }
    }
    if (!report.notes.empty()) {
        out << "Notes:\n";
        for (const auto& n : report.notes) out << "  " << n << "\n";
    }
}

}  // namespace ibvf::diag
