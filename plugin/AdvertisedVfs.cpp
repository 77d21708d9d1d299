#include "plugin/AdvertisedVfs.hpp"

#include <stdexcept>

#include <rapidjson/document.h>

#include "linux/AtomicFile.hpp"

namespace ibvf::plugin {

std::optional<std::string> advertisedResourceOf(const std::filesystem::path& file, const std::string& bdf) {
    const auto content = kernel::readFile(file);
    if (!content) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(content->c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("vfs") || !doc["vfs"].IsObject())
        throw std::runtime_error(file.string() + ": not an advertised-VFs file ({\"vfs\":{...}})");
    const auto& vfs = doc["vfs"];
    const auto it = vfs.FindMember(bdf.c_str());
    if (it == vfs.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace ibvf::plugin
