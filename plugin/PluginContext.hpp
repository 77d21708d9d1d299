#pragma once
#include "linux/Sysfs.hpp"
#include "plugin/AttachmentStore.hpp"
#include "plugin/StatePaths.hpp"

namespace ibvf::plugin {

// What every command needs from the node, resolved once from the environment.
struct PluginContext {
    kernel::Sysfs sysfs;
    StatePaths paths;
    AttachmentStore store;

    static PluginContext fromEnvironment() {
        auto paths = StatePaths::fromEnvironment();
        auto attachments = paths.attachments;
        return PluginContext{kernel::Sysfs::fromEnvironment(), std::move(paths), AttachmentStore(std::move(attachments))};
    }
};

}  // namespace ibvf::plugin
