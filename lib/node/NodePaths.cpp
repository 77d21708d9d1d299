#include "node/NodePaths.hpp"

#include <cstdlib>
#include <string>
#include <system_error>

#include "linux/Sysfs.hpp"
#include "node/AttachmentState.hpp"

namespace ibvf::node {
namespace {

namespace fs = std::filesystem;

std::string withoutTrailingSlashes(std::string dir) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
}

}  // namespace

fs::path fromEnvironment(const PathOverride& path) {
    const char* v = std::getenv(path.env);
    return v != nullptr && *v != '\0' ? fs::path(v) : fs::path(path.fallback);
}

fs::path stateRoot() { return fromEnvironment(kStateRoot); }
fs::path runDir() { return fromEnvironment(kRunDir); }
fs::path kubeletDevicePluginsDir() { return fromEnvironment(kKubeletDevicePluginsDir); }
fs::path devicePluginDevinfoDir() { return fromEnvironment(kDevicePluginDevinfoDir); }
fs::path cniDevinfoDir() { return fromEnvironment(kCniDevinfoDir); }
fs::path cdiDir() { return fromEnvironment(kCdiDir); }
std::string logDir() { return withoutTrailingSlashes(fromEnvironment(kLogDir).string()); }
std::string etcdTlsDir() { return fromEnvironment(kEtcdTlsDir).string(); }
std::string etcdEndpointsFile() { return fromEnvironment(kEtcdEndpointsFile).string(); }

fs::path guidFile() {
    if (const char* env = std::getenv(kGuidFileEnv); env != nullptr && *env != '\0') return env;
    for (const char* p : kOperatorGuidFiles) {
        std::error_code ec;
        if (fs::exists(p, ec)) return p;
    }
    return kOperatorGuidFiles[0];
}

fs::path sysfsRoot() { return linux::Sysfs::fromEnvironment().root(); }

fs::path attachmentsDirIn(const fs::path& stateRoot) { return stateRoot / "ibvf"; }
fs::path ipamDataDirIn(const fs::path& stateRoot) { return stateRoot / "ibvf-ipam"; }
fs::path attachmentStateFileIn(const fs::path& attachmentsDir, const std::string& containerId, const std::string& ifname) {
    return attachmentsDir / (attachmentKey(containerId, ifname) + ".json");
}
fs::path vfClaimsDirIn(const fs::path& attachmentsDir) { return attachmentsDir / "vf"; }
fs::path vfClaimFileIn(const fs::path& attachmentsDir, std::string_view pciAddress) { return vfClaimsDirIn(attachmentsDir) / pciAddress; }

fs::path locksDirIn(const fs::path& runDir) { return runDir / "locks"; }
fs::path allocationsDirIn(const fs::path& runDir) { return runDir / "allocations"; }
fs::path advertisedVfsFileBeside(const fs::path& allocationsDir) { return allocationsDir.parent_path() / "advertised.json"; }
fs::path allocationRecordIn(const fs::path& allocationsDir, std::string_view pciAddress) {
    return allocationsDir / (std::string(pciAddress) + ".json");
}

fs::path vfLockIn(const fs::path& locksDir, std::string_view pciAddress) { return locksDir / (std::string(pciAddress) + ".lock"); }
fs::path pfLockIn(const fs::path& locksDir, std::string_view pfPciAddress) {
    return locksDir / ("pf-" + std::string(pfPciAddress) + ".lock");
}
fs::path gcLockIn(const fs::path& locksDir) { return locksDir / "gc.lock"; }

fs::path kubeletRootOf(const fs::path& devicePluginsDir) {
    const fs::path dir = devicePluginsDir.has_filename() ? devicePluginsDir : devicePluginsDir.parent_path();
    return dir.parent_path();
}
fs::path pluginsRegistryDirOf(const fs::path& devicePluginsDir) { return kubeletRootOf(devicePluginsDir) / "plugins_registry"; }
fs::path podResourcesSocketOf(const fs::path& devicePluginsDir) {
    return kubeletRootOf(devicePluginsDir) / "pod-resources" / "kubelet.sock";
}

}  // namespace ibvf::node
