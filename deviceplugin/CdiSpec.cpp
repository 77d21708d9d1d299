#include "deviceplugin/CdiSpec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "linux/AtomicFile.hpp"

namespace ibvf::dp::cdi {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kVendorSuffix = ".ibvf";
constexpr const char* kRdmaCm = "/dev/infiniband/rdma_cm";

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// first: allowed first character; middle: extra characters allowed inside; last: alphanumeric.
bool validName(std::string_view s, bool letterFirst, std::string_view middle) {
    if (s.empty()) return false;
    if (letterFirst ? !alpha(s.front()) : !alnum(s.front())) return false;
    if (!alnum(s.back())) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || middle.find(c) != std::string_view::npos; });
}

// "231:192" -> {231, 192}; nullopt for a missing or malformed attribute.
std::optional<std::pair<unsigned, unsigned>> devNumber(const fs::path& file) {
    std::optional<std::string> text;
    try {
        text = linux::readFile(file);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!text) return std::nullopt;
    const std::string& t = *text;
    const auto colon = t.find(':');
    if (colon == std::string::npos) return std::nullopt;
    unsigned major = 0;
    unsigned minor = 0;
    const char* end = t.data() + t.size();
    const auto a = std::from_chars(t.data(), t.data() + colon, major);
    const auto b = std::from_chars(t.data() + colon + 1, end, minor);
    if (a.ec != std::errc{} || a.ptr != t.data() + colon || b.ec != std::errc{}) return std::nullopt;
    if (b.ptr != end && *b.ptr != '\n') return std::nullopt;
    return std::make_pair(major, minor);
}

CharDevice charDevice(const linux::Sysfs& sysfs, const std::string& path) {
    const std::string name = fs::path(path).filename().string();
    const char* cls = name.starts_with("uverbs") ? "class/infiniband_verbs" : "class/infiniband_mad";
    return CharDevice{path, devNumber(sysfs.root() / cls / name / "dev")};
}

CharDevice rdmaCm(const linux::Sysfs& sysfs) { return CharDevice{kRdmaCm, devNumber(sysfs.root() / "class/misc/rdma_cm/dev")}; }

void writeEdits(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::vector<CharDevice>& devices) {
    w.Key("containerEdits");
    w.StartObject();
    w.Key("deviceNodes");
    w.StartArray();
    for (const auto& d : devices) {
        w.StartObject();
        w.Key("path");
        w.String(d.path.c_str());
        if (d.number) {
            w.Key("type");
            w.String("c");
            w.Key("major");
            w.Uint(d.number->first);
            w.Key("minor");
            w.Uint(d.number->second);
        }
        w.Key("permissions");
        w.String("rw");
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
}

}  // namespace

bool validVendor(std::string_view vendor) { return validName(vendor, true, "_.-"); }
bool validClass(std::string_view cls) { return validName(cls, true, "_-"); }
bool validDeviceName(std::string_view name) { return validName(name, false, "_.-"); }

std::string kindOf(const ResourceConfig& resource) {
    const std::string vendor = resource.prefix + std::string(kVendorSuffix);
    std::string cls = resource.name;
    std::replace(cls.begin(), cls.end(), '.', '_');
    if (!validVendor(vendor) || !validClass(cls))
        throw std::invalid_argument("resource " + resource.resourceName() +
                                    " has no CDI kind: the prefix and the name must start with a letter");
    return vendor + "/" + cls;
}

std::string deviceNameOf(const ResourceConfig& resource, const DeviceRecord& device) {
    if (resource.mode == PoolMode::Hca) return kHcaDeviceName;
    std::string name = device.pciAddress;
    std::replace(name.begin(), name.end(), ':', '-');
    return name;
}

std::optional<std::string> deviceNameForId(const Pool& pool, std::string_view id) {
    for (const auto& d : pool.devices)
        if (d.id == id) return deviceNameOf(pool.config, d);
    return std::nullopt;
}

std::string qualifiedName(std::string_view kind, std::string_view device) { return std::string(kind) + "=" + std::string(device); }

std::optional<std::string> annotationKey(std::string_view kind, std::string_view device) {
    const auto slash = kind.find('/');
    const std::string name = "ibvf_" + std::string(kind.substr(slash + 1)) + "_" + std::string(device);
    if (name.size() > 63 || !validName(name, false, "_.-")) return std::nullopt;
    return "cdi.k8s.io/" + name;
}

std::string specFileName(std::string_view kind) {
    std::string name(kind);
    std::replace(name.begin(), name.end(), '/', '-');
    return name + ".json";
}

bool isIbvfSpecFileName(std::string_view filename) {
    const std::string marker = std::string(kVendorSuffix) + "-";
    return filename.ends_with(".json") && filename.find(marker) != std::string_view::npos && !linux::isAtomicTempFileName(filename);
}

std::vector<CharDevice> charDevicesOf(const linux::Sysfs& sysfs, std::string_view rdmaDevice) {
    std::vector<CharDevice> out;
    if (!rdmaDevice.empty())
        for (const auto& path : sysfs.rdmaCharDevices(rdmaDevice)) out.push_back(charDevice(sysfs, path));
    out.push_back(rdmaCm(sysfs));
    return out;
}

std::vector<CharDevice> allCharDevices(const linux::Sysfs& sysfs) {
    std::vector<CharDevice> out;
    for (const auto& path : allRdmaCharDevices(sysfs)) out.push_back(charDevice(sysfs, path));
    out.push_back(rdmaCm(sysfs));
    return out;
}

std::optional<std::vector<std::string>> deviceNamesInSpec(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    // HasMember and [] rather than FindMember: comparing rapidjson's member iterators is
    // ambiguous under C++20's reversed operators.
    if (!doc.HasMember("devices") || !doc["devices"].IsArray()) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& d : doc["devices"].GetArray()) {
        if (!d.IsObject() || !d.HasMember("name") || !d["name"].IsString()) return std::nullopt;
        names.emplace_back(d["name"].GetString(), d["name"].GetStringLength());
    }
    return names;
}

std::string renderSpec(const Pool& pool, const linux::Sysfs& sysfs) {
    const std::string kind = kindOf(pool.config);
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("cdiVersion");
    w.String(kCdiVersion);
    w.Key("kind");
    w.String(kind.c_str());
    w.Key("devices");
    w.StartArray();
    const auto device = [&](const std::string& name, const std::vector<CharDevice>& nodes) {
        w.StartObject();
        w.Key("name");
        w.String(name.c_str());
        writeEdits(w, nodes);
        w.EndObject();
    };
    if (pool.config.mode == PoolMode::Hca) {
        device(kHcaDeviceName, allCharDevices(sysfs));
    } else {
        for (const auto& d : pool.devices) device(deviceNameOf(pool.config, d), charDevicesOf(sysfs, d.rdmaDevice));
    }
    w.EndArray();
    w.EndObject();
    return std::string(out.GetString(), out.GetSize()) + "\n";
}

}  // namespace ibvf::dp::cdi
