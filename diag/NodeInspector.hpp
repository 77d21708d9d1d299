#pragma once
// Gathers the facts of a node: the PFs and their VFs from sysfs, links from netlink (in the host
// and in each pod namespace holding a VF), the RDMA netns mode, the ibvf state files and the
// device plugin's config, pools and sockets.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diag/NodeReport.hpp"
#include "linux/RdmaNetns.hpp"
#include "linux/Sysfs.hpp"
#include "linux/VfControl.hpp"
#include "node/NodePaths.hpp"
#include "plugin/StatePaths.hpp"

namespace ibvf::diag {

struct InspectOptions {
    // PF netdevs named with --pf; when empty, every InfiniBand SR-IOV PF plus those the device
    // plugin config names.
    std::vector<std::string> pfs;
    // --device-plugin-config; without it the default is used when that file exists, and with
    // no default (--no-device-plugin-config) the device plugin is not looked at.
    std::optional<std::filesystem::path> devicePluginConfig;
    std::optional<std::filesystem::path> defaultDevicePluginConfig = node::kDevicePluginConfig;
    std::filesystem::path kubeletDir;   // device plugin sockets: node::kubeletDevicePluginsDir()
    std::filesystem::path ipamDataDir;  // <state root>/ibvf-ipam
    plugin::StatePaths state;
    std::chrono::milliseconds lockTimeout{2000};  // for reading a lease store another ADD holds

    static InspectOptions fromEnvironment();
};

// The kernel interfaces, replaceable in tests (e.g. a recording VfControl that reports GUIDs).
struct NodeAccess {
    linux::Sysfs sysfs;
    std::function<std::unique_ptr<linux::VfControl>()> makeVfControl;
    std::function<std::unique_ptr<linux::RdmaNetns>()> makeRdmaNetns;

    static NodeAccess real();  // sysfs at IBVF_SYSFS_ROOT, netlink
};

// Facts and problems. Throws only when the host's netlink cannot be opened at all.
NodeReport inspectNode(const InspectOptions& options, const NodeAccess& node);

}  // namespace ibvf::diag
