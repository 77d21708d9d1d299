#include "deviceplugin/AdvertisedVfs.hpp"

#include "node/NodePaths.hpp"

namespace ibvf::dp {

std::filesystem::path advertisedVfsFile(const AllocationPaths& paths) { return node::advertisedVfsFileBeside(paths.allocationsDir); }

std::vector<node::AdvertisedVf> advertisedVfsOf(const std::vector<Pool>& pools) {
    std::vector<node::AdvertisedVf> vfs;
    for (const auto& pool : pools) {
        const std::string resource = pool.config.resourceName();
        for (const auto& d : pool.devices)
            if (!d.pciAddress.empty()) vfs.push_back({d.pciAddress, resource});
    }
    return vfs;
}

std::string advertisedVfsJson(const std::vector<Pool>& pools) { return node::advertisedVfsJson(advertisedVfsOf(pools)); }

}  // namespace ibvf::dp
