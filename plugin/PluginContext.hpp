#pragma once
#include <functional>
#include <memory>

#include "linux/IpoibLink.hpp"
#include "linux/RdmaNetns.hpp"
#include "linux/Sysfs.hpp"
#include "linux/VfControl.hpp"
#include "plugin/AttachmentStore.hpp"
#include "plugin/StatePaths.hpp"

namespace ibvf::plugin {

// What every command needs from the node, resolved once from the environment.
struct PluginContext {
    linux::Sysfs sysfs;
    StatePaths paths;
    AttachmentStore store;
    // VF settings go through the PF's driver, which needs SR-IOV hardware: tests substitute a
    // recording fake. Made on first use, so ADDs that change no VF setting open no extra socket.
    std::function<std::unique_ptr<linux::VfControl>()> makeVfControl = [] { return std::make_unique<linux::NetlinkVfControl>(); };
    // Both speak netlink in the namespace of the calling thread at the time they are made (and the
    // fakes judge each call by the caller's namespace): make and use them inside runInNetNs to
    // act in the pod.
    std::function<std::unique_ptr<linux::RdmaNetns>()> makeRdmaNetns = [] { return std::make_unique<linux::NetlinkRdmaNetns>(); };
    std::function<std::unique_ptr<linux::IpoibLinks>()> makeIpoibLinks = [] { return std::make_unique<linux::NetlinkIpoibLinks>(); };

    static PluginContext fromEnvironment() {
        auto paths = StatePaths::fromEnvironment();
        auto attachments = paths.attachments;
        return PluginContext{linux::Sysfs::fromEnvironment(), std::move(paths), AttachmentStore(std::move(attachments))};
    }
};

}  // namespace ibvf::plugin
