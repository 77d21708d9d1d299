#include "ManifestCheck.hpp"

#include <map>
#include <regex>
#include <set>

#include <rapidjson/document.h>

#include "cni/NetConf.hpp"
#include "deviceplugin/Config.hpp"

namespace ibvf::test {
namespace {

// What one manifest's checks report into.
class Problems {
public:
    Problems(std::vector<std::string>& out, std::string source) : out_(out), source_(std::move(source)) {}
    void add(const std::string& path, const std::string& what) { out_.push_back(source_ + ": " + path + ": " + what); }

private:
    std::vector<std::string>& out_;
    std::string source_;
};

bool isDnsLabel(const std::string& s) {
    static const std::regex re("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    return std::regex_match(s, re);
}

bool isDnsSubdomain(const std::string& s) {
    static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    return s.size() <= 253 && std::regex_match(s, re);
}

bool isString(const YAML::Node& n) { return n && n.IsScalar(); }

// n[k1][k2]... or an undefined node (false in a condition) when any step is missing or not a mapping (yaml-cpp throws when a
// missing key of a const node is indexed further).
YAML::Node at(const YAML::Node& n, std::initializer_list<const char*> keys) {
    // reset() rebinds; operator= on a yaml-cpp node would overwrite the node it refers to.
    YAML::Node cur;
    cur.reset(n);
    for (const char* key : keys) {
        if (!cur || !cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
        const YAML::Node next = static_cast<const YAML::Node&>(cur)[key];
        if (!next) return YAML::Node(YAML::NodeType::Undefined);  // a missing key gives an invalid node, which reset() refuses
        cur.reset(next);
    }
    return cur;
}

std::string str(const YAML::Node& n) { return isString(n) ? n.as<std::string>() : std::string(); }

// The API server's expected group/version for each kind these manifests use. A kind missing here
// is reported, so a new kind gets checks before it ships.
const std::map<std::string, std::string>& knownKinds() {
    static const std::map<std::string, std::string> kinds{{"DaemonSet", "apps/v1"},
                                                          {"ConfigMap", "v1"},
                                                          {"Pod", "v1"},
                                                          {"NetworkAttachmentDefinition", "k8s.cni.cncf.io/v1"},
                                                          {"PrometheusRule", "monitoring.coreos.com/v1"}};
    return kinds;
}

struct ConfigMapKey {
    std::string ns;
    std::string name;
    bool operator<(const ConfigMapKey& o) const { return std::tie(ns, name) < std::tie(o.ns, o.name); }
};
using ConfigMapIndex = std::map<ConfigMapKey, std::set<std::string>>;  // -> data keys

std::string namespaceOf(const YAML::Node& doc) {
    const auto ns = str(at(doc, {"metadata", "namespace"}));
    return ns.empty() ? "default" : ns;
}

void checkVolumes(const YAML::Node& volumes, const std::string& path, const std::string& ns, const ConfigMapIndex& configMaps,
                  std::set<std::string>& names, Problems& p) {
    if (!volumes) return;
    if (!volumes.IsSequence()) return p.add(path, "must be a list");
    for (std::size_t i = 0; i < volumes.size(); ++i) {
        const auto v = volumes[i];
        const std::string where = path + "[" + std::to_string(i) + "]";
        const std::string name = str(at(v, {"name"}));
        if (!isDnsLabel(name)) p.add(where + ".name", "'" + name + "' is not a DNS label");
        if (!names.insert(name).second) p.add(where + ".name", "duplicate volume '" + name + "'");
        int sources = 0;
        for (const auto& kv : v)
            if (kv.first.as<std::string>() != "name") ++sources;
        if (sources != 1) p.add(where, "needs exactly one volume source, has " + std::to_string(sources));
        if (const auto hp = at(v, {"hostPath"})) {
            const std::string hostPath = str(at(hp, {"path"}));
            if (hostPath.empty() || hostPath.front() != '/') p.add(where + ".hostPath.path", "'" + hostPath + "' is not absolute");
            static const std::set<std::string> types{"",       "DirectoryOrCreate", "Directory",  "FileOrCreate", "File",
                                                     "Socket", "CharDevice",        "BlockDevice"};
            if (!types.count(str(at(hp, {"type"})))) p.add(where + ".hostPath.type", "unknown type '" + str(at(hp, {"type"})) + "'");
        }
        if (const auto cm = at(v, {"configMap"})) {
            const std::string cmName = str(at(cm, {"name"}));
            const auto found = configMaps.find({ns, cmName});
            if (found == configMaps.end()) {
                p.add(where + ".configMap.name", "no ConfigMap '" + cmName + "' in namespace " + ns + " among the manifests");
                continue;
            }
            const auto items = at(cm, {"items"});
            for (std::size_t j = 0; items && j < items.size(); ++j) {
                const std::string key = str(at(items[j], {"key"}));
                const std::string itemPath = str(at(items[j], {"path"}));
                if (!found->second.count(key))
                    p.add(where + ".configMap.items[" + std::to_string(j) + "].key", "ConfigMap has no key '" + key + "'");
                if (itemPath.empty() || itemPath.front() == '/' || itemPath.find("..") != std::string::npos)
                    p.add(where + ".configMap.items[" + std::to_string(j) + "].path", "'" + itemPath + "' must be relative");
            }
        }
    }
}

void checkPodSpec(const YAML::Node& spec, const std::string& path, const std::string& ns, const ConfigMapIndex& configMaps, Problems& p) {
    if (!spec || !spec.IsMap()) return p.add(path, "missing pod spec");
    std::set<std::string> volumes;
    checkVolumes(at(spec, {"volumes"}), path + ".volumes", ns, configMaps, volumes, p);
    if (const auto hn = at(spec, {"hostNetwork"}); hn && !(isString(hn) && (str(hn) == "true" || str(hn) == "false")))
        p.add(path + ".hostNetwork", "must be true or false");

    const auto containers = at(spec, {"containers"});
    if (!containers || !containers.IsSequence() || containers.size() == 0)
        return p.add(path + ".containers", "needs at least one container");
    std::set<std::string> names;
    for (std::size_t i = 0; i < containers.size(); ++i) {
        const auto c = containers[i];
        const std::string where = path + ".containers[" + std::to_string(i) + "]";
        const std::string name = str(at(c, {"name"}));
        if (!isDnsLabel(name)) p.add(where + ".name", "'" + name + "' is not a DNS label");
        if (!names.insert(name).second) p.add(where + ".name", "duplicate container '" + name + "'");
        if (str(at(c, {"image"})).empty()) p.add(where + ".image", "missing");
        if (const auto cmd = at(c, {"command"})) {
            if (!cmd.IsSequence() || cmd.size() == 0) p.add(where + ".command", "must be a non-empty list");
            for (std::size_t j = 0; cmd.IsSequence() && j < cmd.size(); ++j)
                if (!isString(cmd[j])) p.add(where + ".command[" + std::to_string(j) + "]", "must be a string");
        }
        const auto mounts = at(c, {"volumeMounts"});
        std::set<std::string> mountPaths;
        for (std::size_t j = 0; mounts && j < mounts.size(); ++j) {
            const std::string m = where + ".volumeMounts[" + std::to_string(j) + "]";
            const std::string volume = str(at(mounts[j], {"name"}));
            const std::string mountPath = str(at(mounts[j], {"mountPath"}));
            if (!volumes.count(volume)) p.add(m + ".name", "no volume '" + volume + "' in the pod spec");
            if (mountPath.empty() || mountPath.front() != '/') p.add(m + ".mountPath", "'" + mountPath + "' is not absolute");
            if (!mountPaths.insert(mountPath).second) p.add(m + ".mountPath", "mounted twice: " + mountPath);
        }
    }
}

void checkDaemonSet(const YAML::Node& doc, const ConfigMapIndex& configMaps, Problems& p) {
    const auto matchLabels = at(doc, {"spec", "selector", "matchLabels"});
    const auto labels = at(doc, {"spec", "template", "metadata", "labels"});
    if (!matchLabels || !matchLabels.IsMap() || matchLabels.size() == 0) {
        p.add("spec.selector.matchLabels", "missing or empty");
    } else {
        for (const auto& kv : matchLabels) {
            const std::string key = kv.first.as<std::string>();
            // The API server refuses a DaemonSet whose selector does not select its own template.
            if (!labels || str(at(labels, {key.c_str()})) != str(kv.second) || !isString(kv.second))
                p.add("spec.template.metadata.labels", "does not carry the selector's " + key + "=" + str(kv.second));
        }
    }
    checkPodSpec(at(doc, {"spec", "template", "spec"}), "spec.template.spec", namespaceOf(doc), configMaps, p);
}

void checkConfigMap(const YAML::Node& doc, Problems& p) {
    const auto data = at(doc, {"data"});
    if (!data) return;
    if (!data.IsMap()) return p.add("data", "must be a map");
    static const std::regex keyRe("[-._a-zA-Z0-9]+");
    for (const auto& kv : data) {
        const std::string key = kv.first.as<std::string>();
        if (!std::regex_match(key, keyRe)) p.add("data", "key '" + key + "' has characters Kubernetes refuses");
        if (!isString(kv.second)) {
            p.add("data." + key, "must be a string");
            continue;
        }
        if (!key.ends_with(".json")) continue;
        // Every JSON ConfigMap here configures ibvf-device-plugin: the plugin's parser decides.
        try {
            (void)dp::parseConfig(kv.second.as<std::string>());
        } catch (const std::exception& e) {
            p.add("data." + key, std::string("ibvf-device-plugin refuses it: ") + e.what());
        }
    }
}

// prometheus-operator's PrometheusRule: groups with a name, each rule an alert or a recording
// rule with an expression; `for` as a Prometheus duration.
void checkPrometheusRule(const YAML::Node& doc, Problems& p) {
    const auto groups = at(doc, {"spec", "groups"});
    if (!groups || !groups.IsSequence() || groups.size() == 0) return p.add("spec.groups", "needs at least one group");
    static const std::regex durationRe("([0-9]+(ms|s|m|h|d|w|y))+");
    static const std::regex nameRe("[a-zA-Z_:][a-zA-Z0-9_:]*");
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const std::string where = "spec.groups[" + std::to_string(i) + "]";
        if (str(at(groups[i], {"name"})).empty()) p.add(where + ".name", "missing");
        const auto rules = at(groups[i], {"rules"});
        if (!rules || !rules.IsSequence() || rules.size() == 0) {
            p.add(where + ".rules", "needs at least one rule");
            continue;
        }
        for (std::size_t j = 0; j < rules.size(); ++j) {
            const std::string r = where + ".rules[" + std::to_string(j) + "]";
            const std::string alert = str(at(rules[j], {"alert"}));
            const std::string record = str(at(rules[j], {"record"}));
            if (alert.empty() == record.empty()) p.add(r, "needs exactly one of alert and record");
            if (!record.empty() && !std::regex_match(record, nameRe)) p.add(r + ".record", "'" + record + "' is not a metric name");
            if (str(at(rules[j], {"expr"})).empty()) p.add(r + ".expr", "missing");
            if (const auto f = at(rules[j], {"for"}); f && !std::regex_match(str(f), durationRe))
                p.add(r + ".for", "'" + str(f) + "' is not a duration");
        }
    }
}

void checkNad(const YAML::Node& doc, Problems& p) {
    const std::string config = str(at(doc, {"spec", "config"}));
    if (config.empty()) return p.add("spec.config", "missing");
    rapidjson::Document json;
    json.Parse(config.data(), config.size());
    if (json.HasParseError() || !json.IsObject()) return p.add("spec.config", "is not a JSON object");
    if (!json.HasMember("plugins")) {
        try {
            (void)cni::parseNetConf(config);
        } catch (const std::exception& e) {
            p.add("spec.config", std::string("not a CNI network config: ") + e.what());
        }
        return;
    }
    // A conflist: its plugins are checked one by one by tests/unit/examples; here the shape.
    if (!json["plugins"].IsArray() || json["plugins"].Empty()) return p.add("spec.config.plugins", "must be a non-empty list");
    for (const char* key : {"cniVersion", "name"})
        if (!json.HasMember(key) || !json[key].IsString()) p.add(std::string("spec.config.") + key, "missing");
    for (const auto& plugin : json["plugins"].GetArray())
        if (!plugin.IsObject() || !plugin.HasMember("type") || !plugin["type"].IsString())
            p.add("spec.config.plugins", "a plugin without a type");
}

}  // namespace

std::vector<Manifest> loadManifests(const std::string& text, const std::string& source) {
    std::vector<Manifest> out;
    std::size_t index = 0;
    for (const auto& doc : YAML::LoadAll(text)) {
        ++index;
        if (doc.IsNull()) continue;
        out.push_back({source + "#" + std::to_string(index), doc});
    }
    return out;
}

std::vector<std::string> checkManifests(const std::vector<Manifest>& manifests) {
    std::vector<std::string> problems;
    ConfigMapIndex configMaps;
    for (const auto& m : manifests) {
        if (!m.doc.IsMap() || str(at(m.doc, {"kind"})) != "ConfigMap") continue;
        auto& keys = configMaps[{namespaceOf(m.doc), str(at(m.doc, {"metadata", "name"}))}];
        if (at(m.doc, {"data"}) && at(m.doc, {"data"}).IsMap())
            for (const auto& kv : at(m.doc, {"data"})) keys.insert(kv.first.as<std::string>());
    }

    for (const auto& m : manifests) {
        Problems p(problems, m.source);
        const auto& doc = m.doc;
        if (!doc.IsMap()) {
            p.add("", "a document must be a mapping");
            continue;
        }
        const std::string kind = str(at(doc, {"kind"}));
        const std::string apiVersion = str(at(doc, {"apiVersion"}));
        if (apiVersion.empty()) p.add("apiVersion", "missing");
        if (kind.empty()) p.add("kind", "missing");
        const std::string name = str(at(doc, {"metadata", "name"}));
        if (!isDnsSubdomain(name)) p.add("metadata.name", "'" + name + "' is missing or not a DNS subdomain");
        if (const auto ns = at(doc, {"metadata", "namespace"}); ns && !isDnsLabel(str(ns)))
            p.add("metadata.namespace", "'" + str(ns) + "' is not a DNS label");
        for (const char* map : {"labels", "annotations"}) {
            const auto node = at(doc, {"metadata", map});
            if (!node) continue;
            if (!node.IsMap()) {
                p.add(std::string("metadata.") + map, "must be a map");
                continue;
            }
            for (const auto& kv : node)
                if (!isString(kv.second))
                    p.add(std::string("metadata.") + map + "." + kv.first.as<std::string>(), "values must be strings");
        }

        const auto known = knownKinds().find(kind);
        if (known == knownKinds().end()) {
            p.add("kind", "'" + kind + "' has no checks here");
            continue;
        }
        if (apiVersion != known->second) p.add("apiVersion", "'" + apiVersion + "', " + kind + " is " + known->second);
        if (kind == "DaemonSet") {
            checkDaemonSet(doc, configMaps, p);
        } else if (kind == "ConfigMap") {
            checkConfigMap(doc, p);
        } else if (kind == "Pod") {
            checkPodSpec(at(doc, {"spec"}), "spec", namespaceOf(doc), configMaps, p);
        } else if (kind == "NetworkAttachmentDefinition") {
            checkNad(doc, p);
        } else if (kind == "PrometheusRule") {
            checkPrometheusRule(doc, p);
        }
    }
    return problems;
}

}  // namespace ibvf::test
