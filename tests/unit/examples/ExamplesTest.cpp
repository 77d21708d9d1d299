// Feeds every file under netconf-examples/ to the parsers the binaries use, so an example that
// drifts from what ibvf, ibvf-ipam or ibvf-device-plugin accept fails here, not on a cluster.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "ExampleYaml.hpp"
#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "cni/NetConf.hpp"
#include "deviceplugin/Config.hpp"
#include "ipam/IpamConfig.hpp"
#include "ipam/StoreLocation.hpp"
#include "node/NodePaths.hpp"
#include "plugin/PluginConfig.hpp"

#ifndef IBVF_SOURCE_DIR
#error "tests/CMakeLists.txt must define IBVF_SOURCE_DIR for the test targets"
#endif

namespace fs = std::filesystem;

namespace {

const char* const kResourceAnnotation = "k8s.v1.cni.cncf.io/resourceName";
const char* const kNetworksAnnotation = "k8s.v1.cni.cncf.io/networks";

fs::path examplesDir() { return fs::path(IBVF_SOURCE_DIR) / "netconf-examples"; }

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ibvf-ipam refuses a lease directory outside its state root; point the root at a scratch
// directory so the examples' (default) dataDir is checked the same way it is on a node.
class ScratchStateRoot {
public:
    ScratchStateRoot() {
        std::string tmpl = (fs::temp_directory_path() / "ibvf-examples-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
        dir_ = tmpl;
        if (const char* old = std::getenv(ibvf::node::kStateRoot.env)) old_ = old;
        ::setenv(ibvf::node::kStateRoot.env, dir_.c_str(), 1);
    }
    ~ScratchStateRoot() {
        if (old_) {
            ::setenv(ibvf::node::kStateRoot.env, old_->c_str(), 1);
        } else {
            ::unsetenv(ibvf::node::kStateRoot.env);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    ScratchStateRoot(const ScratchStateRoot&) = delete;
    ScratchStateRoot& operator=(const ScratchStateRoot&) = delete;

private:
    fs::path dir_;
    std::optional<std::string> old_;
};

std::string describe(const std::exception& e) {
    if (const auto* cniError = dynamic_cast<const ibvf::cni::Error*>(&e)) {
        return "CNI error " + std::to_string(static_cast<unsigned>(cniError->code())) + ": " + cniError->msg() +
               (cniError->details().empty() ? "" : " (" + cniError->details() + ")");
    }
    return e.what();
}

// One plugin's config, as the runtime hands it to the plugin. Returns whether it is an ibvf config.
bool checkNetConf(const std::string& text) {
    const auto conf = ibvf::cni::parseNetConf(text);
    if (conf.type != "ibvf") return false;
    const auto cfg = ibvf::plugin::PluginConfig::parse(conf);
    if (cfg.ipamType == "ibvf-ipam") (void)ibvf::ipam::parseIpamConfig(conf);
    return true;
}

// A .conf-style netconf or a conflist. Returns how many ibvf configs it holds.
int checkCniJson(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError())
        throw std::runtime_error("not valid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                                 rapidjson::GetParseError_En(doc.GetParseError()));
    if (!doc.IsObject()) throw std::runtime_error("a network config must be a JSON object");
    const auto pluginsIt = doc.FindMember("plugins");
    if (pluginsIt == doc.MemberEnd()) return checkNetConf(text) ? 1 : 0;

    const auto& plugins = pluginsIt->value;
    if (!plugins.IsArray() || plugins.Empty()) throw std::runtime_error("conflist: plugins must be a non-empty array");
    const std::string name = ibvf::cni::json::requireString(doc, "name", "conflist");
    const std::string version = ibvf::cni::json::requireString(doc, "cniVersion", "conflist");
    int ibvfCount = 0;
    for (rapidjson::SizeType i = 0; i < plugins.Size(); ++i) {
        if (!plugins[i].IsObject()) throw std::runtime_error("conflist: plugins[" + std::to_string(i) + "] is not an object");
        // libcni gives every plugin of the list the list's name and cniVersion.
        rapidjson::Document one;
        one.CopyFrom(plugins[i], one.GetAllocator());
        one.RemoveMember("name");
        one.RemoveMember("cniVersion");
        one.AddMember("name", rapidjson::Value(name.c_str(), one.GetAllocator()), one.GetAllocator());
        one.AddMember("cniVersion", rapidjson::Value(version.c_str(), one.GetAllocator()), one.GetAllocator());
        try {
            if (checkNetConf(ibvf::cni::json::serialize(one))) ++ibvfCount;
        } catch (const std::exception& e) {
            throw std::runtime_error("plugins[" + std::to_string(i) + "]: " + describe(e));
        }
    }
    return ibvfCount;
}

struct Tally {
    int cniFiles = 0;
    int nads = 0;
    int ibvfConfigs = 0;
    int deviceConfigs = 0;
    std::set<std::string> nadNames;
    std::vector<std::pair<std::string, std::string>> podNetworks;  // pod file, annotation value
};

void checkNad(const ibvf::test::YamlDocument& doc, Tally& tally) {
    CHECK(doc.find({"apiVersion"}) == "k8s.cni.cncf.io/v1");
    const auto name = doc.find({"metadata", "name"});
    REQUIRE_MESSAGE(name, "NAD without metadata.name");
    const auto config = doc.find({"spec", "config"});
    REQUIRE_MESSAGE(config, "NAD without spec.config (as a '|' block or a single-quoted string)");
    ++tally.nads;
    tally.nadNames.insert(*name);
    int ibvfCount = 0;
    try {
        ibvfCount = checkCniJson(*config);
    } catch (const std::exception& e) {
        FAIL_CHECK("spec.config rejected: " << describe(e));
        return;
    }
    CHECK_MESSAGE(ibvfCount > 0, "NAD holds no ibvf config");
    tally.ibvfConfigs += ibvfCount;
    if (ibvfCount > 0) {
        // Without it Multus never asks the device plugin for a VF, and ibvf gets no deviceID.
        const auto resource = doc.find({"metadata", "annotations", kResourceAnnotation});
        CHECK_MESSAGE(resource, "NAD with an ibvf config lacks the " << kResourceAnnotation << " annotation");
        if (resource) CHECK(resource->rfind("rdma/", 0) == 0);
    }
}

void checkConfigMap(const ibvf::test::YamlDocument& doc, Tally& tally) {
    int found = 0;
    for (const auto* entry : doc.childrenOf({"data"})) {
        if (!entry->path.back().ends_with(".json")) continue;
        ++found;
        INFO("data." << entry->path.back());
        try {
            (void)ibvf::dp::parseConfig(entry->value);
            ++tally.deviceConfigs;
        } catch (const std::exception& e) {
            FAIL_CHECK("device plugin config rejected: " << std::string(e.what()));
        }
    }
    CHECK_MESSAGE(found > 0, "ConfigMap without a data.<name>.json entry");
}

void checkPod(const ibvf::test::YamlDocument& doc, const std::string& file, Tally& tally) {
    const auto networks = doc.find({"metadata", "annotations", kNetworksAnnotation});
    CHECK_MESSAGE(networks, "pod without the " << kNetworksAnnotation << " annotation");
    if (networks) tally.podNetworks.emplace_back(file, *networks);
    bool requestsVf = false;
    for (const auto* limit : doc.childrenOf({"spec", "containers", "-", "resources", "limits"}))
        requestsVf = requestsVf || (limit->path.back().rfind("rdma/", 0) == 0 && limit->value == "1");
    CHECK_MESSAGE(requestsVf, "pod requests no rdma/ resource in a container's limits");
}

void checkYaml(const std::string& text, const std::string& file, Tally& tally) {
    const auto docs = ibvf::test::parseYamlSubset(text);
    REQUIRE_MESSAGE(!docs.empty(), "no YAML document");
    for (const auto& doc : docs) {
        const std::string kind = doc.find({"kind"}).value_or("");
        if (kind == "NetworkAttachmentDefinition") {
            checkNad(doc, tally);
        } else if (kind == "ConfigMap") {
            checkConfigMap(doc, tally);
        } else if (kind == "Pod") {
            checkPod(doc, file, tally);
        } else {
            FAIL_CHECK("no check for kind '" << kind << "'");
        }
    }
}

// "ib-net", "ns/ib-net@ib1, other" or the JSON list form.
std::vector<std::string> networkNames(const std::string& annotation) {
    std::vector<std::string> names;
    if (annotation.starts_with("[")) {
        rapidjson::Document doc;
        doc.Parse(annotation.c_str());
        REQUIRE_MESSAGE((!doc.HasParseError() && doc.IsArray()), "networks annotation is not a JSON list");
        for (const auto& item : doc.GetArray()) names.push_back(ibvf::cni::json::requireString(item, "name"));
        return names;
    }
    std::istringstream in(annotation);
    for (std::string part; std::getline(in, part, ',');) {
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        if (const auto slash = part.find('/'); slash != std::string::npos) part.erase(0, slash + 1);
        if (const auto at = part.find('@'); at != std::string::npos) part.erase(at);
        names.push_back(part);
    }
    return names;
}

}  // namespace

TEST_CASE("every example in netconf-examples/ is accepted by the parsers the binaries use") {
    ScratchStateRoot stateRoot;
    const fs::path root = examplesDir();
    REQUIRE(fs::is_directory(root));
    const std::string readme = fs::exists(root / "README.md") ? readFile(root / "README.md") : std::string();
    CHECK_MESSAGE(!readme.empty(), "netconf-examples/README.md is missing");

    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());

    Tally tally;
    for (const auto& path : files) {
        const std::string rel = fs::relative(path, root).generic_string();
        if (rel == "README.md") continue;
        INFO("example: " << rel);
        CHECK_MESSAGE(readme.find(rel) != std::string::npos, "README.md does not list it");
        const std::string ext = path.extension().string();
        const std::string text = readFile(path);
        try {
            if (ext == ".yaml" || ext == ".yml") {
                checkYaml(text, rel, tally);
            } else if (ext == ".json" && rel.starts_with("device-plugin/")) {
                (void)ibvf::dp::parseConfig(text);
                ++tally.deviceConfigs;
            } else if (ext == ".json" || ext == ".conflist" || ext == ".conf") {
                ++tally.cniFiles;
                const int ibvfCount = checkCniJson(text);
                CHECK_MESSAGE(ibvfCount > 0, "network config holds no ibvf config");
                tally.ibvfConfigs += ibvfCount;
            } else {
                FAIL_CHECK("not an example type this test knows (.yaml, .json, .conflist, .conf)");
            }
        } catch (const std::exception& e) {
            FAIL_CHECK("rejected: " << describe(e));
        }
    }

    for (const auto& [file, annotation] : tally.podNetworks) {
        INFO("pod example: " << file);
        for (const auto& name : networkNames(annotation))
            CHECK_MESSAGE(tally.nadNames.count(name) == 1, "selects network '" << name << "', which no NAD example defines");
    }
    // An empty or half-deleted directory must not pass.
    CHECK(tally.nads >= 6);
    CHECK(tally.cniFiles >= 3);
    CHECK(tally.podNetworks.size() >= 1);
    CHECK(tally.deviceConfigs >= 3);
    CHECK(tally.ibvfConfigs >= 9);
}
