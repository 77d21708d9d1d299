#include "diag/GuidCollision.hpp"

#include "cni/Json.hpp"

namespace ibvf::diag {
namespace {

constexpr const char* kInstead =
    "use \"guidSource\": \"pf\" (derived from each PF's hardware GUID: unique by manufacture, no coordination), "
    "\"etcd\" (leased cluster-wide from \"guidRange\" through the ipam's etcd backend, for GUIDs registered in "
    "advance with the subnet manager) or \"file\" (the sriov-network-operator's GUID file on each node); "
    "see docs/infiniband-identity.md";

}  // namespace

std::optional<GuidRisk> crossNodeGuidRisk(const cni::NetConf& conf, const plugin::PluginConfig& cfg) {
    // PluginConfig refuses guidSource next to guidPool or a top-level guid.
    if (cfg.guidPool) {
        return GuidRisk{"guidPool",
                        "guidPool \"" + cfg.guidPool->spec() +
                            "\" derives GUIDs from the PF's PCI address and the VF index: nodes with the same PCI "
                            "layout give their VFs the same GUIDs, duplicates on the subnet",
                        std::string("guidPool is node-local (one node, or a config applied to one node only); across "
                                    "nodes ") +
                            kInstead};
    }
    const auto fixed = cni::json::optString(conf.doc, "guid").value_or("");
    if (!fixed.empty()) {
        return GuidRisk{"guid",
                        "guid " + fixed +
                            " is one fixed GUID: every attachment of this network, on every node, "
                            "gets the same one",
                        "a fixed guid is for one pod on one node; per-pod GUIDs come from runtimeConfig.infinibandGUID "
                        "(ib-kubernetes); for many pods " +
                            std::string(kInstead)};
    }
    return std::nullopt;
}

}  // namespace ibvf::diag
