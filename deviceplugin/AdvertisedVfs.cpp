#include "deviceplugin/AdvertisedVfs.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "node/NodePaths.hpp"

namespace ibvf::dp {

std::filesystem::path advertisedVfsFile(const AllocationPaths& paths) {
    return node::advertisedVfsFileBeside(paths.allocationsDir);
}

std::string advertisedVfsJson(const std::vector<Pool>& pools) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("vfs");
    w.StartObject();
    for (const auto& pool : pools) {
        const std::string resource = pool.config.resourceName();
        for (const auto& d : pool.devices) {
            if (d.pciAddress.empty()) continue;
            w.Key(d.pciAddress.c_str());
            w.String(resource.c_str());
        }
    }
    w.EndObject();
    w.EndObject();
    return std::string(out.GetString(), out.GetSize()) + "\n";
}

}  // namespace ibvf::dp
