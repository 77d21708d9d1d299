#include "plugin/GuidSource.hpp"

#include <stdexcept>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "ipam/EtcdHandoff.hpp"
#include "linux/KernelError.hpp"
#include "linux/PfDerivedGuid.hpp"
#include "node/NodePaths.hpp"
#include "plugin/GuidFile.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

// The PF's node GUID from sysfs; nullopt when it has no RDMA device or the attribute is missing.
std::optional<linux::Guid> pfNodeGuid(const linux::Sysfs& sysfs, const linux::VfInfo& vf, std::string& seen) {
    try {
        const auto pf = sysfs.pfByPci(vf.pfPciAddress);
        if (!pf.rdmaDevice) {
            seen = "PF " + vf.pfPciAddress + " has no RDMA device (" + (sysfs.pciDeviceDir(vf.pfPciAddress) / "infiniband").string() +
                   " is empty)";
            return std::nullopt;
        }
        const auto text = sysfs.rdmaNodeGuid(*pf.rdmaDevice);
        if (!text) {
            seen = "RDMA device " + *pf.rdmaDevice + " of PF " + vf.pfPciAddress + " has no node_guid";
            return std::nullopt;
        }
        const auto guid = linux::Guid::parseSysfs(*text);
        if (!guid) seen = "node_guid of " + *pf.rdmaDevice + " reads '" + *text + "'";
        return guid;
    } catch (const linux::KernelError& e) {
        seen = e.what();
        return std::nullopt;
    }
}

}  // namespace

GuidSourceConfig GuidSourceConfig::parse(const cni::NetConf& conf) {
    GuidSourceConfig cfg;
    const auto text = cni::json::optString(conf.doc, "guidSource").value_or("");
    if (text == "pf")
        cfg.source = GuidSource::Pf;
    else if (text == "file")
        cfg.source = GuidSource::File;
    else if (text == "etcd")
        cfg.source = GuidSource::Etcd;
    else if (!text.empty()) {
        throw Error(ErrorCode::InvalidNetworkConfig, "guidSource '" + text + "' is not a GUID source",
                    "use \"pf\" (derived from the PF's GUID), \"file\" (the node's GUID file) or \"etcd\" (leased from guidRange)");
    }
    if (const auto range = cni::json::optString(conf.doc, "guidRange"); range && !range->empty()) {
        if (cfg.source != GuidSource::Etcd) {
            throw Error(ErrorCode::InvalidNetworkConfig, "guidRange is only used with \"guidSource\": \"etcd\"",
                        "for GUIDs derived per node from a range use guidPool; across nodes add \"guidSource\": \"etcd\"");
        }
        try {
            cfg.range = linux::GuidRange::parse(*range);
        } catch (const std::invalid_argument& e) {
            throw Error(ErrorCode::InvalidNetworkConfig, "guidRange '" + *range + "' is not a usable GUID range",
                        std::string(e.what()) + ", e.g. \"02:00:00:00:00:01:00:00-02:00:00:00:00:01:ff:ff\" (inclusive)");
        }
    }
    if (cfg.source == GuidSource::Etcd) {
        if (!cfg.range) {
            throw Error(ErrorCode::InvalidNetworkConfig, "guidSource \"etcd\" needs guidRange",
                        "give the cluster-wide range GUIDs are leased from, e.g. \"guidRange\": "
                        "\"02:00:00:00:00:01:00:00-02:00:00:00:00:01:ff:ff\"");
        }
        if (!ipam::selectsEtcdStore(conf)) {
            throw Error(ErrorCode::InvalidNetworkConfig, "guidSource \"etcd\" needs an etcd ipam.backend",
                        "GUID leases live in the etcd the IPAM uses: set \"ipam\": {\"type\": \"ibvf-ipam\", "
                        "\"backend\": {\"type\": \"etcd\", \"endpoints\": [...]}, ...}");
        }
    }
    return cfg;
}

const char* guidSourceName(GuidSource source) {
    switch (source) {
        case GuidSource::Pf:
            return "pf";
        case GuidSource::File:
            return "file";
        case GuidSource::Etcd:
            return "etcd";
        case GuidSource::None:
            break;
    }
    return "none";
}

linux::Guid nodeLocalSourceGuid(GuidSource source, const linux::Sysfs& sysfs, const linux::VfInfo& vf) {
    std::string seen;
    const auto pfGuid = pfNodeGuid(sysfs, vf, seen);
    const auto index = static_cast<unsigned>(vf.vfIndex);
    if (source == GuidSource::File) return GuidFile::read(node::guidFile()).guidFor(vf.pfPciAddress, pfGuid, index);
    if (!pfGuid) {
        throw Error(ErrorCode::HardwareUnsupported, "guidSource \"pf\": cannot read the GUID of PF " + vf.pfPciAddress, seen);
    }
    try {
        return linux::deriveVfGuid(*pfGuid, index);
    } catch (const std::invalid_argument& e) {
        throw Error(ErrorCode::HardwareUnsupported, "guidSource \"pf\" cannot derive a GUID for VF " + vf.pciAddress + ": " + e.what(),
                    "derived GUIDs need a manufactured PF GUID (OUI:03:00:xx:xx:xx); use guidSource \"file\" or \"etcd\"");
    }
}

}  // namespace ibvf::plugin
