#include "diag/ConfigCheck.hpp"

#include <algorithm>
#include <array>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "cni/NetConf.hpp"
#include "deviceplugin/Config.hpp"
#include "diag/GuidCollision.hpp"
#include "diag/ManifestConfigs.hpp"
#include "ipam/IpamConfig.hpp"
#include "log/LogPath.hpp"
#include "node/NodePaths.hpp"
#include "plugin/PluginConfig.hpp"

namespace ibvf::diag {
namespace {

// Top-level fields of a netconf, a conflist and a device plugin config: a message starting with
// one of these (or a path below one) is about that field.
constexpr std::array<std::string_view, 27> kFields = {"cniVersion",
                                                      "name",
                                                      "type",
                                                      "ipam",
                                                      "deviceID",
                                                      "pciBusID",
                                                      "pfNetdevice",
                                                      "mtu",
                                                      "link_state",
                                                      "guid",
                                                      "guidPool",
                                                      "guidSource",
                                                      "guidRange",
                                                      "runtimeConfig",
                                                      "args",
                                                      "dns",
                                                      "logLevel",
                                                      "logFile",
                                                      "plugins",
                                                      "prevResult",
                                                      "capabilities",
                                                      "lockTimeoutMs",
                                                      "cni.dev/valid-attachments",
                                                      "mode",
                                                      "pfNetdevices",
                                                      "resources",
                                                      "enableVfs"};

// Messages that name their field other than by starting with it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kPhrasedFields = {{
    {"unsupported cniVersion", "cniVersion"},
    {"the network configuration has no cniVersion", "cniVersion"},
    {"invalid network name", "name"},
    {"the network config has no \"ipam\" section", "ipam"},
    {"no VF to attach", "deviceID"},
}};

std::string joinPath(const std::string& section, const std::string& field) {
    if (section.empty() || field.empty()) return section.empty() ? field : section;
    return field.front() == '[' ? section + field : section + "." + field;
}

std::size_t countLines(std::string_view text, std::size_t offset) {
    return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())), '\n')) + 1;
}

class Checker {
public:
    explicit Checker(ConfigCheck& out, std::string prefix = {}) : out_(out), prefix_(std::move(prefix)) {}

    void pass(const std::string& section, const char* checker, std::string message) {
        out_.findings.push_back(ConfigFinding{where(section), checker, true, {}, std::move(message), {}});
    }
    void fail(const std::string& section, const char* checker, const std::string& message, std::string explanation,
              std::optional<std::string> field = std::nullopt) {
        out_.findings.push_back(ConfigFinding{where(section), checker, false, field ? *field : joinPath(section, fieldOfMessage(message)),
                                              message, std::move(explanation)});
    }
    void failWith(const std::string& section, const char* checker, const std::exception& e) {
        if (const auto* c = dynamic_cast<const cni::Error*>(&e)) {
            fail(section, checker, c->msg(), c->details());
        } else {
            fail(section, checker, e.what(), {});
        }
    }

    // A logFile the binaries would refuse: they log to the default file instead, with a warning
    // on every call (log/LogPath.hpp), which check-config says up front.
    void logFiles(const std::string& section, const cni::NetConf& conf) {
        const std::string dir = node::logDir();
        for (const auto& [field, obj] : {std::pair<const char*, const rapidjson::Value*>{"logFile", &conf.doc},
                                         std::pair<const char*, const rapidjson::Value*>{"ipam.logFile", conf.ipam()}}) {
            if (obj == nullptr || !obj->IsObject()) continue;
            const auto it = obj->FindMember("logFile");
            if (it == obj->MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0) continue;
            const std::string value(it->value.GetString(), it->value.GetStringLength());
            const auto decision = log::confineLogPath(value, dir);
            if (decision.accepted()) continue;
            fail(section, "ibvf", std::string(field) + " '" + log::printable(value) + "' would be refused: " + decision.refusal,
                 "only a file inside " + dir +
                     " may be named (a name like \"net-a.log\", or a path beneath it); "
                     "ibvf logs to the default file instead, with a warning",
                 joinPath(section, field));
        }
    }

    // A whole JSON document of unknown kind.
    void document(std::string_view text) {
        rapidjson::Document doc;
        doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
        if (doc.HasParseError()) {
            out_.kind = "unknown";
            out_.description = "not valid JSON";
            fail("", "json",
                 std::string("not valid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) + " (line " +
                     std::to_string(countLines(text, doc.GetErrorOffset())) + ", offset " + std::to_string(doc.GetErrorOffset()) + ")",
                 "look for a missing comma or quote, or a trailing comma, just before that point", "");
            return;
        }
        if (!doc.IsObject()) {
            out_.kind = "unknown";
            out_.description = "a JSON value that is not an object";
            fail("", "json", "the file holds no JSON object", "configs are JSON objects", "");
            return;
        }
        if (doc.HasMember("plugins")) return conflist(doc);
        if (doc.HasMember("type") || doc.HasMember("cniVersion")) {
            netconf(std::string(text), "", false);
            return;
        }
        for (const char* key : {"mode", "resources", "pfNetdevices", "enableVfs"})
            if (doc.HasMember(key)) return devicePlugin(text);
        out_.kind = "unknown";
        out_.description = "a JSON object of no known kind";
        fail("", "json", "cannot tell what this config is",
             "a netconf has \"type\", a conflist \"plugins\", a device plugin config \"mode\" or \"resources\"", "");
    }

private:
    std::string where(const std::string& section) const {
        if (prefix_.empty() || section.empty()) return prefix_.empty() ? section : prefix_;
        return prefix_ + " " + section;
    }

    // One plugin's netconf, as the runtime hands it over. Returns whether ibvf or ibvf-ipam was in it.
    bool netconf(const std::string& text, const std::string& section, bool inList) {
        if (!inList) out_.kind = "netconf";
        cni::NetConf conf;
        try {
            conf = cni::parseNetConf(text);
        } catch (const std::exception& e) {
            if (!inList) out_.description = "CNI network configuration";
            failWith(section, "netconf", e);
            return true;  // reported: not "nothing to check"
        }
        if (!inList) out_.description = "CNI network configuration \"" + conf.name + "\" (type " + conf.type + ")";
        bool ours = false;
        if (conf.type == "ibvf") {
            ours = true;
            try {
                const auto cfg = plugin::PluginConfig::parse(conf);
                pass(section, "ibvf",
                     "type ibvf: settings valid" + std::string(cfg.deviceId ? ", deviceID " + *cfg.deviceId : "") +
                         (cfg.pfNetdevice ? ", pfNetdevice " + *cfg.pfNetdevice : ""));
                if (const auto risk = crossNodeGuidRisk(conf, cfg)) {
                    fail(section, "ibvf", risk->message, risk->explanation, joinPath(section, risk->field));
                }
            } catch (const std::exception& e) {
                failWith(section, "ibvf", e);
            }
        }
        std::string ipamType;
        try {
            if (const auto* ipam = conf.ipam()) ipamType = cni::json::optString(*ipam, "type", "ipam").value_or("");
        } catch (const std::exception& e) {
            if (!ours) failWith(section, "netconf", e);  // PluginConfig reported it already
            return true;
        }
        if (ipamType == "ibvf-ipam") {
            ours = true;
            try {
                const auto ipam = ipam::parseIpamConfig(conf);
                pass(section, "ibvf-ipam",
                     "ipam type ibvf-ipam: " + std::to_string(ipam.rangeSets.size()) + " range set(s), leases in " +
                         ipam::describeBackend(ipam.backend));
            } catch (const std::exception& e) {
                failWith(section, "ibvf-ipam", e);
            }
        }
        if (ours) logFiles(section, conf);
        if (!ours && inList) pass(section, "netconf", "type " + conf.type + " is not ibvf's: not checked beyond the common fields");
        if (!ours && !inList)
            fail(section, "netconf", "neither type ibvf nor ipam type ibvf-ipam (type " + conf.type + ")",
                 "check-config checks ibvf and ibvf-ipam configs; this one is for another plugin", "type");
        return ours;
    }

    void conflist(const rapidjson::Document& doc) {
        out_.kind = "conflist";
        const auto stringField = [&](const char* key) -> std::optional<std::string> {
            const auto it = doc.FindMember(key);
            if (it == doc.MemberEnd() || !it->value.IsString()) {
                fail("", "conflist", std::string(key) + " is required and must be a string",
                     "libcni gives every plugin of the list the list's name and cniVersion", key);
                return std::nullopt;
            }
            return std::string(it->value.GetString(), it->value.GetStringLength());
        };
        const auto name = stringField("name");
        const auto version = stringField("cniVersion");
        const auto& plugins = doc["plugins"];
        if (!plugins.IsArray() || plugins.Empty()) {
            out_.description = "CNI network configuration list";
            fail("", "conflist", "plugins must be a non-empty array", "a conflist chains one or more plugins", "plugins");
            return;
        }
        out_.description = "CNI network configuration list \"" + name.value_or("?") + "\" (" + std::to_string(plugins.Size()) +
                           (plugins.Size() == 1 ? " plugin)" : " plugins)");
        if (!name || !version) return;
        bool ours = false;
        for (rapidjson::SizeType i = 0; i < plugins.Size(); ++i) {
            const std::string section = "plugins[" + std::to_string(i) + "]";
            if (!plugins[i].IsObject()) {
                fail(section, "conflist", section + " must be an object", "each plugin is a JSON object", section);
                continue;
            }
            // libcni gives every plugin of the list the list's name and cniVersion.
            rapidjson::Document one;
            one.CopyFrom(plugins[i], one.GetAllocator());
            one.RemoveMember("name");
            one.RemoveMember("cniVersion");
            one.AddMember("name", rapidjson::Value(name->c_str(), one.GetAllocator()), one.GetAllocator());
            one.AddMember("cniVersion", rapidjson::Value(version->c_str(), one.GetAllocator()), one.GetAllocator());
            ours = netconf(cni::json::serialize(one), section, true) || ours;
        }
        if (!ours)
            fail("", "conflist", "no plugin of this list is ibvf or uses ibvf-ipam", "check-config checks ibvf and ibvf-ipam configs",
                 "plugins");
    }

    void devicePlugin(std::string_view text) {
        out_.kind = "device-plugin";
        out_.description = "ibvf-device-plugin config";
        try {
            const auto config = dp::parseConfig(text);
            std::string names;
            for (const auto& r : config.resources) names += (names.empty() ? "" : ", ") + r.resourceName();
            pass("", "device-plugin",
                 std::to_string(config.resources.size()) + " resource(s): " + names + (config.enableVfs ? "; enableVfs" : ""));
        } catch (const dp::ConfigError& e) {
            const std::string what = e.what();
            std::string explanation;
            if (what.find("unknown field") != std::string::npos)
                explanation =
                    "the device plugin refuses fields it does not know (a misspelt selector would otherwise widen a "
                    "pool): check the spelling";
            // Its messages are "<field>: <why>", except for the document as a whole ("config ...").
            const auto colon = what.find(": ");
            std::string field = colon == std::string::npos || what.rfind("config ", 0) == 0 ? "" : what.substr(0, colon);
            fail("", "device-plugin", what, explanation, field);
        }
    }

    ConfigCheck& out_;
    std::string prefix_;
};

}  // namespace

std::size_t ConfigCheck::errors() const {
    return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [](const ConfigFinding& f) { return !f.ok; }));
}

std::string fieldOfMessage(std::string_view message) {
    for (const auto& [phrase, field] : kPhrasedFields)
        if (message.substr(0, phrase.size()) == phrase) return std::string(field);
    auto end = message.find_first_of(" :");
    std::string_view token = message.substr(0, end);
    const auto head = token.substr(0, token.find_first_of(".["));
    // "cni.dev/valid-attachments[0]" contains a '.' of its own.
    const bool known = std::find(kFields.begin(), kFields.end(), head) != kFields.end() ||
                       token.substr(0, std::string_view("cni.dev/valid-attachments").size()) == "cni.dev/valid-attachments";
    return known ? std::string(token) : std::string();
}

ConfigCheck checkConfigText(std::string_view text) {
    ConfigCheck out;
    const auto first = text.find_first_not_of(" \t\r\n");
    const bool json = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
    if (json) {
        Checker(out).document(text);
        return out;
    }
    const auto manifest = configsInManifest(text);
    if (!manifest) {
        Checker(out).document(text);  // reports it as not JSON
        return out;
    }
    out.kind = "manifest";
    out.description = "Kubernetes manifest with " + std::to_string(manifest->configs.size()) + " config(s)";
    for (const auto& s : manifest->skipped) out.findings.push_back(ConfigFinding{s, "manifest", true, {}, "not checked", {}});
    for (const auto& c : manifest->configs) {
        ConfigCheck inner;
        Checker(inner, c.where).document(c.json);
        out.findings.push_back(ConfigFinding{c.where, "manifest", true, {}, inner.description, {}});
        for (auto& f : inner.findings) out.findings.push_back(std::move(f));
    }
    if (manifest->configs.empty())
        out.findings.push_back(ConfigFinding{
            "",
            "manifest",
            false,
            "",
            "no network or device plugin config in this manifest",
            "check-config reads spec.config of a NetworkAttachmentDefinition and JSON "
            "entries under data of a ConfigMap",
        });
    return out;
}

}  // namespace ibvf::diag
