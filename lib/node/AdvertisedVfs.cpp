#include "node/AdvertisedVfs.hpp"

#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "linux/AtomicFile.hpp"

namespace ibvf::node {

std::string advertisedVfsJson(const std::vector<AdvertisedVf>& vfs) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("vfs");
    w.StartObject();
    for (const auto& vf : vfs) {
        w.Key(vf.pciAddress.c_str(), static_cast<rapidjson::SizeType>(vf.pciAddress.size()));
        w.String(vf.resource.c_str(), static_cast<rapidjson::SizeType>(vf.resource.size()));
    }
    w.EndObject();
    w.EndObject();
    return std::string(out.GetString(), out.GetSize()) + "\n";
}

std::map<std::string, std::string> parseAdvertisedVfs(std::string_view json, const std::string& path) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("vfs") || !doc["vfs"].IsObject())
        throw std::runtime_error(path + ": not an advertised-VFs file ({\"vfs\":{...}})");
    std::map<std::string, std::string> out;
    for (const auto& m : doc["vfs"].GetObject()) {
        if (!m.value.IsString()) continue;
        out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()), std::string(m.value.GetString(), m.value.GetStringLength()));
    }
    return out;
}

std::optional<std::string> advertisedResourceOf(const std::filesystem::path& file, const std::string& pciAddress) {
    const auto content = linux::readFile(file);
    if (!content) return std::nullopt;
    const auto vfs = parseAdvertisedVfs(*content, file.string());
    const auto it = vfs.find(pciAddress);
    if (it == vfs.end()) return std::nullopt;
    return it->second;
}

}  // namespace ibvf::node
