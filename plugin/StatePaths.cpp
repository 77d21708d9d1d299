#include "plugin/StatePaths.hpp"

#include <cstdlib>
#include <string>

namespace ibvf::plugin {
namespace {

std::filesystem::path envOr(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? std::filesystem::path(v) : std::filesystem::path(fallback);
}

}  // namespace

StatePaths StatePaths::fromEnvironment() {
    const auto stateRoot = envOr("IBVF_STATE_DIR", "/var/lib/cni");
    const auto runDir = envOr("IBVF_RUN_DIR", "/run/ibvf");
    return StatePaths{stateRoot / "ibvf", runDir / "locks", runDir / "allocations",
                      envOr("IBVF_CNI_DEVINFO_DIR", "/var/run/k8s.cni.cncf.io/devinfo/cni")};
}

std::filesystem::path StatePaths::vfLock(std::string_view pciAddress) const {
    return locks / (std::string(pciAddress) + ".lock");
}

std::filesystem::path StatePaths::pfLock(std::string_view pfPciAddress) const {
    return locks / ("pf-" + std::string(pfPciAddress) + ".lock");
}

std::filesystem::path StatePaths::gcLock() const { return locks / "gc.lock"; }

std::filesystem::path StatePaths::allocationRecord(std::string_view pciAddress) const {
    return allocations / (std::string(pciAddress) + ".json");
}

}  // namespace ibvf::plugin
