#include "plugin/PluginConfig.hpp"

#include <cstdint>
#include <stdexcept>
#include <utility>

#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

// ib-sriov-cni (Go) reads every string field into a plain string, so "" there means "not set":
// the same here, for each field it shares with ibvf.
std::optional<std::string> nonEmpty(std::optional<std::string> v) {
    if (v && v->empty()) return std::nullopt;
    return v;
}

std::optional<std::string> deviceIdFrom(const cni::NetConf& conf) {
    const auto& doc = conf.doc;
    // Multus injects the allocated VF as a top-level deviceID; runtimeConfig carries it when the
    // network declares the deviceID capability; pciBusID is sriov-cni's spelling.
    if (auto v = nonEmpty(cni::json::optString(doc, "deviceID"))) return v;
    if (const auto* rc = conf.runtimeConfig()) {
        if (auto v = nonEmpty(cni::json::optString(*rc, "deviceID", "runtimeConfig"))) return v;
    }
    return nonEmpty(cni::json::optString(doc, "pciBusID"));
}

std::optional<std::pair<std::string, std::string>> guidFrom(const cni::NetConf& conf) {
    if (const auto* rc = conf.runtimeConfig()) {
        if (auto v = nonEmpty(cni::json::optString(*rc, "infinibandGUID", "runtimeConfig"))) {
            return std::pair{std::string("runtimeConfig.infinibandGUID"), *v};
        }
    }
    if (const auto* cni = conf.argsCni()) {
        if (auto v = nonEmpty(cni::json::optString(*cni, "guid", "args.cni"))) {
            return std::pair{std::string("args.cni.guid"), *v};
        }
    }
    if (auto v = nonEmpty(cni::json::optString(conf.doc, "guid"))) return std::pair{std::string("guid"), *v};
    return std::nullopt;
}

// ib-sriov-cni's spelling is a string ("0x8001"); a JSON number is taken too. `field` names it
// in errors ("pkey", "ipoibChild.pkey").
std::optional<linux::Pkey> pkeyFrom(const rapidjson::Value& obj, const std::string& field) {
    const auto it = obj.FindMember("pkey");
    if (it == obj.MemberEnd() || it->value.IsNull()) return std::nullopt;
    try {
        if (it->value.IsString()) {
            const std::string text(it->value.GetString(), it->value.GetStringLength());
            if (text.empty()) return std::nullopt;
            return linux::Pkey::parse(text);
        }
        if (it->value.IsUint() && it->value.GetUint() <= 0xffff) {
            return linux::Pkey::fromValue(static_cast<std::uint16_t>(it->value.GetUint()));
        }
    } catch (const std::invalid_argument& e) {
        throw Error(ErrorCode::InvalidNetworkConfig, field + " is not a partition key", e.what());
    }
    throw Error(ErrorCode::InvalidNetworkConfig, field + " is not a partition key",
                "expected a string such as \"0x8001\" (a 16-bit key, partition 1..0x7fff)");
}

// ibvf's own IPoIB child: {"pkey": "0x8001"}.
std::optional<linux::Pkey> ipoibChildFrom(const rapidjson::Value& doc) {
    const auto* child = cni::json::optObject(doc, "ipoibChild");
    if (!child) return std::nullopt;
    auto pkey = pkeyFrom(*child, "ipoibChild.pkey");
    if (!pkey) {
        throw Error(ErrorCode::InvalidNetworkConfig, "ipoibChild.pkey is missing",
                    "name the partition of the child, e.g. \"ipoibChild\": {\"pkey\": \"0x8001\"}, or drop ipoibChild");
    }
    return pkey;
}

}  // namespace

PluginConfig PluginConfig::parse(const cni::NetConf& conf) {
    PluginConfig cfg;
    const auto& doc = conf.doc;

    cfg.deviceId = deviceIdFrom(conf);
    if (cfg.deviceId && !linux::isValidPciAddress(*cfg.deviceId)) {
        throw Error(ErrorCode::InvalidNetworkConfig, "deviceID '" + *cfg.deviceId + "' is not a PCI address",
                    "expected the VF's full PCI address, e.g. 0000:3b:00.2");
    }
    cfg.pfNetdevice = cni::json::optString(doc, "pfNetdevice");
    if (cfg.pfNetdevice && cfg.pfNetdevice->empty()) cfg.pfNetdevice.reset();
    // It names a directory under /sys/class/net: a netdev name, nothing that walks elsewhere.
    if (cfg.pfNetdevice) {
        if (const auto why = cni::interfaceNameProblem(*cfg.pfNetdevice); !why.empty()) {
            throw Error(ErrorCode::InvalidNetworkConfig, "pfNetdevice is not a network interface name",
                        "the name " + why + "; name the PF's netdev on the node, e.g. \"ib0\"");
        }
    }

    if (auto mtu = cni::json::optInt(doc, "mtu")) {
        // 68 is the IPv4 minimum; 65520 the largest IPoIB MTU (connected mode).
        if (*mtu < 68 || *mtu > 65520) {
            throw Error(ErrorCode::InvalidNetworkConfig, "mtu " + std::to_string(*mtu) + " is out of range",
                        "mtu must be between 68 and 65520");
        }
        cfg.mtu = static_cast<unsigned>(*mtu);
    }
    if (auto text = nonEmpty(cni::json::optString(doc, "link_state"))) {
        cfg.linkState = linux::parseVfLinkState(*text);
        if (!cfg.linkState) {
            throw Error(ErrorCode::InvalidNetworkConfig, "link_state '" + *text + "' is not a VF link state",
                        "use \"auto\", \"enable\" or \"disable\"");
        }
    }
    if (auto source = guidFrom(conf); source && !source->second.empty()) {
        const auto& [field, text] = *source;
        cfg.guid = linux::Guid::parse(text);
        if (!cfg.guid) {
            throw Error(ErrorCode::InvalidNetworkConfig, field + " '" + text + "' is not a GUID",
                        "a GUID is 8 bytes written as xx:xx:xx:xx:xx:xx:xx:xx");
        }
        if (!cfg.guid->valid()) {
            throw Error(ErrorCode::InvalidNetworkConfig, field + " " + text + " is not a usable GUID",
                        "all zeros and all ones are reserved");
        }
    }
    if (auto pool = cni::json::optString(doc, "guidPool")) {
        try {
            cfg.guidPool = linux::GuidPool::parse(*pool);
        } catch (const std::invalid_argument& e) {
            throw Error(ErrorCode::InvalidNetworkConfig, "guidPool '" + *pool + "' is not a GUID pool", e.what());
        }
    }
    cfg.guidSource = GuidSourceConfig::parse(conf);
    if (cfg.guidSource.source != GuidSource::None) {
        const bool fixedGuid = !cni::json::optString(doc, "guid").value_or("").empty();
        if (fixedGuid || cfg.guidPool) {
            throw Error(ErrorCode::InvalidNetworkConfig,
                        std::string("guidSource cannot be combined with ") + (fixedGuid ? "guid" : "guidPool"),
                        "guidSource decides every VF's GUID; drop the other field");
        }
    }
    cfg.rdmaIsolation = cni::json::optBool(doc, "rdmaIsolation").value_or(false);
    cfg.vfioPciMode = cni::json::optBool(doc, "vfioPciMode").value_or(false);
    cfg.ibKubernetesEnabled = cni::json::optBool(doc, "ibKubernetesEnabled").value_or(false);
    cfg.pkey = pkeyFrom(doc, "pkey");
    cfg.ipoibChild = ipoibChildFrom(doc);
    if (cfg.vfioPciMode && cfg.ipoibChild) {
        throw Error(ErrorCode::InvalidNetworkConfig, "ipoibChild cannot be used with vfioPciMode",
                    "a VF bound to vfio-pci has no netdev to hang an IPoIB child on; the VM sets up its partitions");
    }
    if (const auto* rc = conf.runtimeConfig()) {
        cfg.deviceInfoFile = cni::json::optString(*rc, "CNIDeviceInfoFile", "runtimeConfig");
        if (cfg.deviceInfoFile && cfg.deviceInfoFile->empty()) cfg.deviceInfoFile.reset();
    }
    if (const auto* ipam = conf.ipam()) {
        cfg.ipamType = cni::json::optString(*ipam, "type", "ipam").value_or("");
        // As in ib-sriov-cni, an IPAM section with no type ({} or "type": "") means no IPAM; one
        // that configures something but names no plugin is a mistake, not a wish for no addresses.
        if (cfg.ipamType.empty() && ipam->MemberCount() > (ipam->HasMember("type") ? 1U : 0U)) {
            throw Error(ErrorCode::InvalidNetworkConfig, "ipam.type is missing",
                        "name an IPAM plugin, e.g. \"ibvf-ipam\" or \"host-local\", or drop the ipam section");
        }
        // The type is a file name looked up in CNI_PATH: a path would escape it.
        if (cfg.ipamType.find('/') != std::string::npos || cfg.ipamType == "." || cfg.ipamType == "..") {
            throw Error(ErrorCode::InvalidNetworkConfig, "ipam.type '" + cfg.ipamType + "' is not a plugin name");
        }
    }
    if (const auto* dns = cni::json::optObject(doc, "dns")) cfg.dns = cni::parseDns(*dns);
    cfg.logLevel = cni::json::optString(doc, "logLevel");
    // Confined to the log directory when the log is set up (log/LogPath.hpp); a refused one is
    // a warning, never a failed ADD.
    cfg.logFile = cni::json::optString(doc, "logFile");
    return cfg;
}

// ib-kubernetes writes the GUID it registered with the subnet manager into the pod's CNI args and
// marks the network configured; until then the VF would come up in no partition.
void requireIbKubernetesHandover(const cni::NetConf& conf, const PluginConfig& cfg) {
    if (!cfg.ibKubernetesEnabled) return;
    constexpr const char* kStatusKey = "mellanox.infiniband.app";
    const auto* args = conf.argsCni();
    const auto status = args ? cni::json::optString(*args, kStatusKey, "args.cni") : std::nullopt;
    if (status.value_or("") != "configured") {
        throw Error(ErrorCode::TryAgainLater, "ibKubernetesEnabled: ib-kubernetes has not configured this pod yet",
                    std::string("args.cni \"") + kStatusKey + "\" is \"" + status.value_or("") +
                        "\", expected \"configured\"; check that ib-kubernetes runs and reaches the subnet manager");
    }
    if (!cfg.guid) {
        throw Error(ErrorCode::InvalidNetworkConfig, "ibKubernetesEnabled: no GUID from ib-kubernetes",
                    "expected runtimeConfig.infinibandGUID or args.cni.guid, set by ib-kubernetes");
    }
}

}  // namespace ibvf::plugin
