// Every manifest the project ships (install/kubernetes/) or shows (netconf-examples/) passes the
// manifest check, and the DaemonSets agree with the image, the binaries' defaults and the seed's
// ConfigMaps: a path or name that drifts between them fails here instead of on a node.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "ManifestCheck.hpp"
#include "ReadText.hpp"
#include "deviceplugin/Config.hpp"
#include "metrics/ListenAddress.hpp"

namespace fs = std::filesystem;
using ibvf::test::Manifest;
using ibvf::test::readText;

namespace {

// Where the image puts the binaries (install/runtime-rootfs.sh, prefix /usr).
const std::map<std::string, std::string> kImagePaths{{"ibvf-device-plugin", "/usr/sbin/ibvf-device-plugin"},
                                                     {"ibvf-cni-installer", "/usr/sbin/ibvf-cni-installer"}};

std::vector<Manifest> loadTree(const std::string& dir) {
    const fs::path root = fs::path(IBVF_SOURCE_DIR);
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
        const auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<Manifest> out;
    for (const auto& f : files) {
        const std::string rel = fs::relative(f, root).generic_string();
        try {
            auto docs = ibvf::test::loadManifests(readText(f), rel);
            CHECK_MESSAGE(!docs.empty(), rel << " holds no document");
            out.insert(out.end(), docs.begin(), docs.end());
        } catch (const YAML::Exception& e) {
            FAIL_CHECK(rel << " is not valid YAML: " << e.what());
        }
    }
    return out;
}

const Manifest* find(const std::vector<Manifest>& all, const std::string& kind, const std::string& name) {
    for (const auto& m : all)
        if (m.doc["kind"].as<std::string>("") == kind && m.doc["metadata"]["name"].as<std::string>("") == name) return &m;
    return nullptr;
}

std::vector<std::string> command(const YAML::Node& container) {
    std::vector<std::string> out;
    for (const auto& arg : container["command"]) out.push_back(arg.as<std::string>());
    return out;
}

// The program a container's command runs; empty when it has no command.
std::string programOf(const std::vector<std::string>& cmd) { return cmd.empty() ? std::string() : cmd.front(); }

std::optional<std::string> flagValue(const std::vector<std::string>& cmd, const std::string& flag) {
    const auto it = std::find(cmd.begin(), cmd.end(), flag);
    if (it == cmd.end() || it + 1 == cmd.end()) return std::nullopt;
    return *(it + 1);
}

// mountPath -> the volume node behind it, for the first container.
std::map<std::string, YAML::Node> mountsOf(const YAML::Node& podSpec) {
    std::map<std::string, YAML::Node> volumes;
    for (const auto& v : podSpec["volumes"]) volumes.emplace(v["name"].as<std::string>(), YAML::Node(v));
    std::map<std::string, YAML::Node> out;
    for (const auto& m : podSpec["containers"][0]["volumeMounts"]) {
        const auto volume = volumes.find(m["name"].as<std::string>());
        if (volume != volumes.end()) out.emplace(m["mountPath"].as<std::string>(), volume->second);
    }
    return out;
}

std::string hostPathAt(const std::map<std::string, YAML::Node>& mounts, const std::string& mountPath) {
    const auto it = mounts.find(mountPath);
    return it == mounts.end() ? std::string() : it->second["hostPath"]["path"].as<std::string>("");
}

}  // namespace

TEST_CASE("every manifest under install/ and netconf-examples/ passes the Kubernetes checks") {
    auto all = loadTree("install");
    const auto examples = loadTree("netconf-examples");
    all.insert(all.end(), examples.begin(), examples.end());
    // A moved or emptied directory must not pass: 5 shipped manifests, the examples' 6 NADs, a pod, 2 ConfigMaps.
    CHECK(all.size() >= 14);
    for (const auto& problem : ibvf::test::checkManifests(all)) FAIL_CHECK(problem);
}

TEST_CASE("the device plugin DaemonSet: host network, privileged, the mounts ibvf-device-plugin uses") {
    const auto all = loadTree("install");
    const auto* ds = find(all, "DaemonSet", "ibvf-device-plugin");
    REQUIRE_MESSAGE(ds, "install/kubernetes has no DaemonSet ibvf-device-plugin");
    const auto spec = ds->doc["spec"]["template"]["spec"];
    CHECK(spec["hostNetwork"].as<bool>(false));
    const auto container = spec["containers"][0];
    CHECK(container["securityContext"]["privileged"].as<bool>(false));
    CHECK(container["image"].as<std::string>("") == "ibvf:" IBVF_VERSION);
    const auto cmd = command(container);
    CHECK(programOf(cmd) == kImagePaths.at("ibvf-device-plugin"));

    const auto mounts = mountsOf(spec);
    // Host directories mounted at the same path, so the defaults compiled into the plugin hold.
    for (const std::string path : {"/sys", "/dev", "/run/ibvf", "/var/run/k8s.cni.cncf.io/devinfo/dp", "/var/run/cdi"}) {
        INFO("mount " << path);
        CHECK(hostPathAt(mounts, path) == path);
    }
    const auto pluginDir = flagValue(cmd, "--device-plugin-dir");
    REQUIRE(pluginDir);
    CHECK(hostPathAt(mounts, *pluginDir) == "/var/lib/kubelet/device-plugins");
    // The default --pod-resources-socket is <device-plugin-dir>/../pod-resources/kubelet.sock.
    CHECK(hostPathAt(mounts, "/var/lib/kubelet/pod-resources") == "/var/lib/kubelet/pod-resources");

    // --config must be the file the ConfigMap volume provides.
    const auto configPath = flagValue(cmd, "--config");
    REQUIRE(configPath);
    const fs::path config(*configPath);
    const auto volume = mounts.find(config.parent_path().string());
    REQUIRE_MESSAGE(volume != mounts.end(), "nothing mounted at " << config.parent_path());
    const auto cm = volume->second["configMap"];
    REQUIRE(cm);
    bool provided = false;
    for (const auto& item : cm["items"]) provided = provided || item["path"].as<std::string>("") == config.filename().string();
    CHECK_MESSAGE(provided, "the ConfigMap volume does not provide " << config.filename());

    // Both seed-format ConfigMaps exist under that name, one per mode.
    std::map<std::string, int> modes;
    for (const auto& m : all) {
        if (m.doc["kind"].as<std::string>("") != "ConfigMap" ||
            m.doc["metadata"]["name"].as<std::string>("") != cm["name"].as<std::string>(""))
            continue;
        for (const auto& kv : m.doc["data"]) {
            const auto parsed = ibvf::dp::parseConfig(kv.second.as<std::string>());
            for (const auto& r : parsed.resources) ++modes[r.resourceName()];
        }
    }
    CHECK(modes["rdma/vhca"] == 1);
    CHECK(modes["rdma/hca"] == 1);
}

TEST_CASE("the device plugin DaemonSet: metrics on the port its probes and scrape annotations name") {
    const auto all = loadTree("install");
    const auto* ds = find(all, "DaemonSet", "ibvf-device-plugin");
    REQUIRE(ds);
    const auto tmpl = ds->doc["spec"]["template"];
    const auto container = tmpl["spec"]["containers"][0];
    const auto address = flagValue(command(container), "--metrics-address");
    REQUIRE_MESSAGE(address, "ibvf-device-plugin runs without --metrics-address");
    const auto listen = ibvf::metrics::parseListenAddress(*address);
    // Probes come from kubelet to the pod IP (the node's, host network): every address.
    CHECK(listen.ip.toString() == "0.0.0.0");
    const int port = listen.port;
    CHECK(container["livenessProbe"]["httpGet"]["path"].as<std::string>("") == "/healthz");
    CHECK(container["livenessProbe"]["httpGet"]["port"].as<int>(0) == port);
    CHECK(container["readinessProbe"]["httpGet"]["path"].as<std::string>("") == "/readyz");
    CHECK(container["readinessProbe"]["httpGet"]["port"].as<int>(0) == port);
    // A probe timeout under the endpoint's per-connection deadline (10 s), so kubelet never
    // gives up on an answer that is still coming.
    CHECK(container["livenessProbe"]["timeoutSeconds"].as<int>(1) < 10);
    bool declared = false;
    for (const auto& p : container["ports"]) declared = declared || p["containerPort"].as<int>(0) == port;
    CHECK(declared);
    const auto annotations = tmpl["metadata"]["annotations"];
    CHECK(annotations["prometheus.io/scrape"].as<std::string>("") == "true");
    CHECK(annotations["prometheus.io/port"].as<std::string>("") == std::to_string(port));
    CHECK(annotations["prometheus.io/path"].as<std::string>("") == "/metrics");

    // The example alert names only families the plugin exports.
    const auto* rule = find(all, "PrometheusRule", "ibvf-device-plugin");
    REQUIRE_MESSAGE(rule, "install/kubernetes has no PrometheusRule ibvf-device-plugin");
    bool portDown = false;
    for (const auto& g : rule->doc["spec"]["groups"])
        for (const auto& r : g["rules"])
            portDown = portDown || (r["alert"].as<std::string>("") == "IbvfAllocatedVfPortDown" &&
                                    r["expr"].as<std::string>("").find("ibvf_vf_port_state{pod!=\"\"}") != std::string::npos);
    CHECK(portDown);
}

TEST_CASE("the CNI installer DaemonSet copies from the image's CNI directory into the node's /opt/cni/bin") {
    const auto all = loadTree("install");
    const auto* ds = find(all, "DaemonSet", "ibvf-cni-installer");
    REQUIRE_MESSAGE(ds, "install/kubernetes has no DaemonSet ibvf-cni-installer");
    const auto spec = ds->doc["spec"]["template"]["spec"];
    const auto container = spec["containers"][0];
    CHECK(container["image"].as<std::string>("") == "ibvf:" IBVF_VERSION);
    const auto cmd = command(container);
    CHECK(programOf(cmd) == kImagePaths.at("ibvf-cni-installer"));
    CHECK(flagValue(cmd, "--source-dir") == "/usr/lib/cni");
    const auto dest = flagValue(cmd, "--dest-dir");
    REQUIRE(dest);
    CHECK(hostPathAt(mountsOf(spec), *dest) == "/opt/cni/bin");
    CHECK(std::count(cmd.begin(), cmd.end(), "ibvf") == 1);
    CHECK(std::count(cmd.begin(), cmd.end(), "ibvf-ipam") == 1);
    CHECK(std::count(cmd.begin(), cmd.end(), "ibvf-ipam-etcd") == 1);
}

TEST_CASE("install/'s seed ConfigMaps say what netconf-examples/ shows") {
    const auto installed = loadTree("install/kubernetes");
    const auto examples = loadTree("netconf-examples/device-plugin");
    int compared = 0;
    for (const auto& mode : {"sriov", "hca"}) {
        INFO("mode " << mode);
        const auto pick = [&](const std::vector<Manifest>& from) -> std::string {
            for (const auto& m : from)
                if (m.source.find(std::string("configmap-") + mode + ".yaml") != std::string::npos)
                    return m.doc["data"]["config.json"].as<std::string>("");
            return {};
        };
        const std::string a = pick(installed);
        const std::string b = pick(examples);
        REQUIRE(!a.empty());
        CHECK(a == b);
        ++compared;
    }
    CHECK(compared == 2);
}
