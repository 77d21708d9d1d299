#pragma once
// ibvf-device-plugin's list of the VFs it offers kubelet (<run dir>/advertised.json,
// {"vfs":{"<bdf>":"<resource>",...}}), so a deviceID kubelet never allocated can be told from
// a VF no device plugin manages.
#include <filesystem>
#include <optional>
#include <string>

namespace ibvf::plugin {

// The resource the device plugin advertises `bdf` under; nullopt when the file is absent (no
// device plugin running) or does not list the VF. Throws std::runtime_error naming the file
// when it cannot be read or parsed.
std::optional<std::string> advertisedResourceOf(const std::filesystem::path& file, const std::string& bdf);

}  // namespace ibvf::plugin
