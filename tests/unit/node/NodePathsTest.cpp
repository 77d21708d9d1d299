// Where ibvf's files are on a node and how the environment moves them (node/NodePaths.hpp): the
// defaults operators read about in docs/architecture.md, an override when set, the default when
// the variable is unset or empty.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "node/NodePaths.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
namespace fs = std::filesystem;

namespace {

// Sets (or unsets, with nullopt) one variable for a scope and restores what was there.
class EnvVar {
public:
    EnvVar(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = ::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

struct Overridable {
    node::PathOverride override;
    std::string expectedDefault;
    std::function<std::string()> read;
};

}  // namespace

TEST_CASE("each node path is its default, or the environment's value when that is set and not empty") {
    const std::vector<Overridable> paths = {
        {node::kStateRoot, "/var/lib/cni", [] { return node::stateRoot().string(); }},
        {node::kRunDir, "/run/ibvf", [] { return node::runDir().string(); }},
        {node::kKubeletDevicePluginsDir, "/var/lib/kubelet/device-plugins", [] { return node::kubeletDevicePluginsDir().string(); }},
        {node::kDevicePluginDevinfoDir, "/var/run/k8s.cni.cncf.io/devinfo/dp", [] { return node::devicePluginDevinfoDir().string(); }},
        {node::kCniDevinfoDir, "/var/run/k8s.cni.cncf.io/devinfo/cni", [] { return node::cniDevinfoDir().string(); }},
        {node::kCdiDir, "/var/run/cdi", [] { return node::cdiDir().string(); }},
        {node::kLogDir, "/var/log/ibvf", [] { return node::logDir(); }},
        {node::kEtcdTlsDir, "/etc/ibvf/etcd-tls", [] { return node::etcdTlsDir(); }},
        {node::kEtcdEndpointsFile, "/etc/ibvf/etcd-endpoints", [] { return node::etcdEndpointsFile(); }},
    };
    const std::vector<std::string> names = {"IBVF_STATE_DIR",   "IBVF_RUN_DIR",         "IBVF_KUBELET_DIR",
                                            "IBVF_DEVINFO_DIR", "IBVF_CNI_DEVINFO_DIR", "IBVF_CDI_DIR",
                                            "IBVF_LOG_DIR",     "IBVF_ETCD_TLS_DIR",    "IBVF_ETCD_ENDPOINTS_FILE"};
    REQUIRE(paths.size() == names.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const auto& p = paths[i];
        CAPTURE(p.override.env);
        CHECK(std::string(p.override.env) == names[i]);
        CHECK(std::string(p.override.fallback) == p.expectedDefault);
        {
            const EnvVar unset(p.override.env, std::nullopt);
            CHECK(p.read() == p.expectedDefault);
        }
        {
            const EnvVar empty(p.override.env, "");
            CHECK(p.read() == p.expectedDefault);
        }
        {
            const EnvVar set(p.override.env, "/tmp/elsewhere");
            CHECK(p.read() == "/tmp/elsewhere");
        }
    }
}

TEST_CASE("the log directory is named without a trailing slash") {
    const EnvVar dir("IBVF_LOG_DIR", "/tmp/logs//");
    CHECK(node::logDir() == "/tmp/logs");
}

TEST_CASE("the files beneath the state root and the run dir") {
    CHECK(node::attachmentsDirIn("/var/lib/cni") == "/var/lib/cni/ibvf");
    CHECK(node::ipamDataDirIn("/var/lib/cni") == "/var/lib/cni/ibvf-ipam");
    CHECK(node::locksDirIn("/run/ibvf") == "/run/ibvf/locks");
    CHECK(node::allocationsDirIn("/run/ibvf") == "/run/ibvf/allocations");
    CHECK(node::advertisedVfsFileBeside("/run/ibvf/allocations") == "/run/ibvf/advertised.json");
    CHECK(node::allocationRecordIn("/run/ibvf/allocations", "0000:3b:01.2") == "/run/ibvf/allocations/0000:3b:01.2.json");
    CHECK(node::vfLockIn("/run/ibvf/locks", "0000:3b:01.2") == "/run/ibvf/locks/0000:3b:01.2.lock");
    CHECK(node::pfLockIn("/run/ibvf/locks", "0000:3b:00.0") == "/run/ibvf/locks/pf-0000:3b:00.0.lock");
    CHECK(node::gcLockIn("/run/ibvf/locks") == "/run/ibvf/locks/gc.lock");
}

TEST_CASE("kubelet's directories are found from its device-plugins directory, with or without a trailing slash") {
    for (const fs::path& dir : {fs::path("/var/lib/kubelet/device-plugins"), fs::path("/var/lib/kubelet/device-plugins/")}) {
        CAPTURE(dir);
        CHECK(node::kubeletRootOf(dir) == "/var/lib/kubelet");
        CHECK(node::pluginsRegistryDirOf(dir) == "/var/lib/kubelet/plugins_registry");
        CHECK(node::podResourcesSocketOf(dir) == "/var/lib/kubelet/pod-resources/kubelet.sock");
    }
}

TEST_CASE("the GUID file is IBVF_GUID_FILE, else the first operator path that exists") {
    ibvf::test::ScratchDir dir;
    {
        const EnvVar file("IBVF_GUID_FILE", (dir / "guids").string());
        CHECK(node::guidFile() == dir / "guids");
    }
    const EnvVar empty("IBVF_GUID_FILE", "");
    const auto fallback = node::guidFile();
    CHECK((fallback == node::kOperatorGuidFiles[0] || fallback == node::kOperatorGuidFiles[1]));
    if (!fs::exists(node::kOperatorGuidFiles[1])) CHECK(fallback == "/etc/sriov-operator/infiniband/guids");
}

TEST_CASE("the sysfs root is IBVF_SYSFS_ROOT or /sys") {
    {
        const EnvVar root("IBVF_SYSFS_ROOT", "/tmp/fake-sys");
        CHECK(node::sysfsRoot() == "/tmp/fake-sys");
    }
    const EnvVar unset("IBVF_SYSFS_ROOT", std::nullopt);
    CHECK(node::sysfsRoot() == "/sys");
}
