#pragma once
// <run dir>/advertised.json (node::advertisedVfsFileBeside): every VF ibvf-device-plugin offers
// kubelet, with its resource, {"vfs":{"0000:3b:01.0":"rdma/vhca",...}}. The device plugin writes
// it when the set changes and removes it when it stops; `ibvf` reads it to tell a deviceID that
// kubelet never allocated (advertised, but no allocation record) from a VF no device plugin
// manages (no record expected).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::node {

struct AdvertisedVf {
    std::string pciAddress;
    std::string resource;  // "<prefix>/<name>"
};

// The file's content, VFs in the given order (a VF listed twice: the first wins on reading).
std::string advertisedVfsJson(const std::vector<AdvertisedVf>& vfs);

// PCI address -> resource. Throws std::runtime_error naming `path` when `json` is not an
// advertised-VFs file; entries whose resource is not a string are left out.
std::map<std::string, std::string> parseAdvertisedVfs(std::string_view json, const std::string& path);

// The resource the device plugin advertises `pciAddress` under; nullopt when the file is absent
// (no device plugin running) or does not list the VF. Throws std::runtime_error naming the file
// when it cannot be read or parsed.
std::optional<std::string> advertisedResourceOf(const std::filesystem::path& file, const std::string& pciAddress);

}  // namespace ibvf::node
