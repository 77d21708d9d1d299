#pragma once
#include <functional>
#include <memory>

#include "linux/Sysfs.hpp"
#include "linux/VfControl.hpp"
#include "plugin/AttachmentStore.hpp"
#include "plugin/StatePaths.hpp"

namespace ibvf::plugin {

// What every command needs from the node, resolved once from the environment.
struct PluginContext {
    kernel::Sysfs sysfs;
    StatePaths paths;
    AttachmentStore store;
    // VF settings go through the PF's driver, which needs SR-IOV hardware: tests substitute a
    // recording fake. Made on first use, so ADDs that change no VF setting open no extra socket.
    std::function<std::unique_ptr<kernel::VfControl>()> makeVfControl = [] {
        return std::make_unique<kernel::NetlinkVfControl>();
    };

    static PluginContext fromEnvironment() {
        auto paths = StatePaths::fromEnvironment();
        auto attachments = paths.attachments;
        return PluginContext{kernel::Sysfs::fromEnvironment(), std::move(paths), AttachmentStore(std::move(attachments))};
    }
};

}  // namespace ibvf::plugin
