#include "deviceplugin/KubeletPaths.hpp"

namespace ibvf::dp {

std::filesystem::path kubeletRootOf(const std::filesystem::path& devicePluginDir) {
    const std::filesystem::path dir = devicePluginDir.has_filename() ? devicePluginDir : devicePluginDir.parent_path();
    return dir.parent_path();
}

std::filesystem::path pluginsRegistryDirOf(const std::filesystem::path& devicePluginDir) {
    return kubeletRootOf(devicePluginDir) / "plugins_registry";
}

}  // namespace ibvf::dp
