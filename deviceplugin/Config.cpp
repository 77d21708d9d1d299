#include "deviceplugin/Config.hpp"

#include <cctype>
#include <charconv>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "linux/AtomicFile.hpp"
#include "linux/IpoibLink.hpp"
#include "metrics/ListenAddress.hpp"

namespace ibvf::dp {
namespace {

using rapidjson::Value;

[[noreturn]] void fail(const std::string& field, const std::string& why) { throw ConfigError(field + ": " + why); }

std::string join(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
}

// Unknown keys are refused rather than ignored: a misspelt selector would otherwise widen a pool.
void rejectUnknown(const Value& obj, const std::string& where, std::initializer_list<std::string_view> known) {
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
        const std::string_view key(it->name.GetString(), it->name.GetStringLength());
        bool ok = false;
        for (auto k : known) ok = ok || k == key;
        if (!ok) fail(join(where, key), "unknown field");
    }
}

const Value* member(const Value& obj, std::string_view key) {
    const auto it = obj.FindMember(Value(key.data(), static_cast<rapidjson::SizeType>(key.size())));
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> optString(const Value& obj, std::string_view key, const std::string& where) {
    const Value* v = member(obj, key);
    if (v == nullptr) return std::nullopt;
    if (!v->IsString()) fail(join(where, key), "must be a string");
    return std::string(v->GetString(), v->GetStringLength());
}

std::vector<std::string> stringArray(const Value& obj, std::string_view key, const std::string& where) {
    std::vector<std::string> out;
    const Value* v = member(obj, key);
    if (v == nullptr) return out;
    const std::string field = join(where, key);
    if (!v->IsArray()) fail(field, "must be an array of strings");
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        const Value& item = (*v)[i];
        const std::string itemField = field + "[" + std::to_string(i) + "]";
        if (!item.IsString()) fail(itemField, "must be a string");
        std::string s(item.GetString(), item.GetStringLength());
        if (s.empty()) fail(itemField, "must not be empty");
        out.push_back(std::move(s));
    }
    return out;
}

// Kubernetes extended resource names: the name part is a DNS-label-like token.
bool validNamePart(std::string_view s) {
    if (s.empty() || s.size() > 63) return false;
    if (!std::isalnum(static_cast<unsigned char>(s.front())) || !std::isalnum(static_cast<unsigned char>(s.back()))) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (!std::isalnum(u) && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
}

bool validNetdevName(std::string_view s) {
    if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
    for (char c : s)
        if (c == '/' || c == ':' || c == '#' || std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
            return false;
    return true;
}

std::optional<unsigned> parseUnsigned(std::string_view s) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

PfSelector parsePfSelector(const std::string& text, const std::string& field) {
    PfSelector sel;
    const auto hash = text.find('#');
    sel.netdev = text.substr(0, hash);
    if (!validNetdevName(sel.netdev)) fail(field, "\"" + text + "\" is not a netdev name (optionally with #first-last)");
    if (hash == std::string::npos) return sel;
    const std::string range = text.substr(hash + 1);
    const auto dash = range.find('-');
    const auto first = parseUnsigned(range.substr(0, dash));
    const auto last = dash == std::string::npos ? first : parseUnsigned(range.substr(dash + 1));
    if (!first || !last) fail(field, "\"" + text + "\": VF range must be N or N-M");
    if (*first > *last) fail(field, "\"" + text + "\": VF range is reversed");
    sel.firstVf = first;
    sel.lastVf = last;
    return sel;
}

std::string normalizedHexId(const std::string& text, const std::string& field) {
    std::string s = text;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s = s.substr(2);
    if (s.empty() || s.size() > 4) fail(field, "\"" + text + "\" is not a 16-bit hex PCI id");
    for (char& c : s) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) fail(field, "\"" + text + "\" is not a 16-bit hex PCI id");
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return std::string(4 - s.size(), '0') + s;
}

// sriov-network-device-plugin's spelling: "0x1", "0x8001" (decimal taken too).
std::uint16_t partitionOf(const std::string& text, const std::string& field) {
    try {
        return linux::Pkey::parse(text).partition();
    } catch (const std::invalid_argument& e) {
        fail(field, std::string(e.what()) + " (a partition key such as \"0x8001\")");
    }
}

int linkTypeOf(const std::string& text, const std::string& field) {
    if (text == "infiniband" || text == "ib" || text == "IB") return 32;
    if (text == "ether" || text == "ethernet" || text == "eth") return 1;
    fail(field, "\"" + text + "\" is not a link type (infiniband or ether)");
}

PoolMode parseMode(const std::string& text, const std::string& field) {
    if (text == "sriov") return PoolMode::Sriov;
    if (text == "hca") return PoolMode::Hca;
    fail(field, "must be \"sriov\" or \"hca\", not \"" + text + "\"");
}

Selectors parseSelectors(const Value& obj, const std::string& where) {
    if (!obj.IsObject()) fail(where, "must be an object");
    rejectUnknown(obj, where, {"pfNames", "linkTypes", "vendors", "devices", "drivers", "pKeys"});
    Selectors s;
    auto pfNames = stringArray(obj, "pfNames", where);
    for (std::size_t i = 0; i < pfNames.size(); ++i)
        s.pfNames.push_back(parsePfSelector(pfNames[i], where + ".pfNames[" + std::to_string(i) + "]"));
    auto linkTypes = stringArray(obj, "linkTypes", where);
    for (std::size_t i = 0; i < linkTypes.size(); ++i)
        s.linkTypes.push_back(linkTypeOf(linkTypes[i], where + ".linkTypes[" + std::to_string(i) + "]"));
    auto vendors = stringArray(obj, "vendors", where);
    for (std::size_t i = 0; i < vendors.size(); ++i)
        s.vendors.push_back(normalizedHexId(vendors[i], where + ".vendors[" + std::to_string(i) + "]"));
    auto devices = stringArray(obj, "devices", where);
    for (std::size_t i = 0; i < devices.size(); ++i)
        s.devices.push_back(normalizedHexId(devices[i], where + ".devices[" + std::to_string(i) + "]"));
    s.drivers = stringArray(obj, "drivers", where);
    auto pKeys = stringArray(obj, "pKeys", where);
    for (std::size_t i = 0; i < pKeys.size(); ++i) s.pKeys.push_back(partitionOf(pKeys[i], where + ".pKeys[" + std::to_string(i) + "]"));
    return s;
}

ResourceConfig parseResource(const Value& obj, const std::string& where) {
    if (!obj.IsObject()) fail(where, "must be an object");
    rejectUnknown(obj, where, {"name", "prefix", "mode", "selectors"});
    ResourceConfig r;
    const auto mode = optString(obj, "mode", where);
    if (mode) r.mode = parseMode(*mode, join(where, "mode"));
    const auto name = optString(obj, "name", where);
    if (!name) fail(join(where, "name"), "is required");
    if (!validNamePart(*name)) fail(join(where, "name"), "\"" + *name + "\" is not a valid resource name");
    r.name = *name;
    if (auto prefix = optString(obj, "prefix", where)) {
        if (!validNamePart(*prefix)) fail(join(where, "prefix"), "\"" + *prefix + "\" is not a valid resource prefix");
        r.prefix = *prefix;
    }
    if (const Value* sel = member(obj, "selectors")) r.selectors = parseSelectors(*sel, join(where, "selectors"));
    if (r.mode == PoolMode::Hca && !r.selectors.pfNames.empty()) fail(join(where, "selectors.pfNames"), "does not apply to mode \"hca\"");
    return r;
}

CdiMode parseCdiMode(const std::string& text) {
    if (text == "off") return CdiMode::Off;
    if (text == "devices") return CdiMode::Devices;
    if (text == "annotations") return CdiMode::Annotations;
    fail("cdi", "\"" + text + "\" is not one of \"off\", \"devices\", \"annotations\"");
}

}  // namespace

Config parseConfig(std::string_view json) {
    rapidjson::Document doc;
    // Iterative: no recursion on the nesting depth of the input (see cni/NetConf.cpp).
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError())
        throw ConfigError("config is not valid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                          rapidjson::GetParseError_En(doc.GetParseError()));
    if (!doc.IsObject()) throw ConfigError("config must be a JSON object");
    rejectUnknown(
        doc, "", {"mode", "pfNetdevices", "resources", "enableVfs", "cdi", "metricsAddress", "metricsKeepFilesOpen", "metricsReadThreads"});

    Config config;
    if (const Value* v = member(doc, "enableVfs")) {
        if (!v->IsBool()) fail("enableVfs", "must be a boolean");
        config.enableVfs = v->GetBool();
    }
    if (const Value* v = member(doc, "metricsKeepFilesOpen")) {
        if (!v->IsBool()) fail("metricsKeepFilesOpen", "must be a boolean");
        config.metricsKeepFilesOpen = v->GetBool();
    }
    if (const Value* v = member(doc, "metricsReadThreads")) {
        if (!v->IsUint() || v->GetUint() < 1 || v->GetUint() > 8) fail("metricsReadThreads", "must be a whole number from 1 to 8");
        config.metricsReadThreads = v->GetUint();
    }
    if (const auto cdi = optString(doc, "cdi", "")) config.cdi = parseCdiMode(*cdi);
    if (auto address = optString(doc, "metricsAddress", "")) {
        try {
            (void)metrics::parseListenAddress(*address);
        } catch (const std::invalid_argument& e) {
            fail("metricsAddress", e.what());
        }
        config.metricsAddress = std::move(*address);
    }
    const Value* resources = member(doc, "resources");
    const auto mode = optString(doc, "mode", "");
    if (resources != nullptr) {
        if (mode) fail("mode", "use either the top-level mode/pfNetdevices or resources, not both");
        if (member(doc, "pfNetdevices") != nullptr) fail("pfNetdevices", "use resources[].selectors.pfNames with resources");
        if (!resources->IsArray()) fail("resources", "must be an array");
        if (resources->Empty()) fail("resources", "must name at least one resource");
        std::set<std::string> seen;
        for (rapidjson::SizeType i = 0; i < resources->Size(); ++i) {
            const std::string where = "resources[" + std::to_string(i) + "]";
            ResourceConfig r = parseResource((*resources)[i], where);
            if (!seen.insert(r.resourceName()).second) fail(where + ".name", "resource " + r.resourceName() + " is defined twice");
            config.resources.push_back(std::move(r));
        }
        return config;
    }
    if (!mode) fail("mode", "is required (\"sriov\" or \"hca\") unless resources is given");
    ResourceConfig r;
    r.mode = parseMode(*mode, "mode");
    auto pfs = stringArray(doc, "pfNetdevices", "");
    if (r.mode == PoolMode::Hca) {
        if (!pfs.empty()) fail("pfNetdevices", "does not apply to mode \"hca\"");
        r.name = "hca";
    } else {
        if (pfs.empty()) fail("pfNetdevices", "is required with mode \"sriov\" (e.g. [\"ib0\"])");
        r.name = "vhca";
        for (std::size_t i = 0; i < pfs.size(); ++i)
            r.selectors.pfNames.push_back(parsePfSelector(pfs[i], "pfNetdevices[" + std::to_string(i) + "]"));
    }
    config.resources.push_back(std::move(r));
    return config;
}

Config loadConfig(const std::filesystem::path& path) {
    std::optional<std::string> text;
    try {
        text = linux::readFile(path);
    } catch (const std::exception& e) {
        throw ConfigError("config " + path.string() + ": " + e.what());
    }
    if (!text) throw ConfigError("config " + path.string() + ": no such file");
    try {
        return parseConfig(*text);
    } catch (const ConfigError& e) {
        throw ConfigError("config " + path.string() + ": " + e.what());
    }
}

std::string pciDeviceEnvName(const ResourceConfig& resource) {
    std::string name = "PCIDEVICE_" + resource.prefix + "_" + resource.name;
    for (char& c : name) {
        if (c == '/' || c == '.' || c == '-') c = '_';
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
}

std::string socketNameFor(const ResourceConfig& resource) { return "ibvf-" + resource.prefix + "-" + resource.name + ".sock"; }

}  // namespace ibvf::dp
