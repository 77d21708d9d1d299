#pragma once
// Which VF an ADD works on, and the guarantee that nobody else works on it meanwhile: the per-VF
// lock (never a node-wide one), held until the attachment's claim and state exist (AttachmentStore::create).
#include <string>

#include "linux/FileLock.hpp"
#include "linux/RouteSocket.hpp"
#include "linux/Sysfs.hpp"
#include "plugin/AttachmentStore.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/StatePaths.hpp"

namespace ibvf::plugin {

struct ResolvedVf {
    linux::VfInfo vf;
    linux::FileLock lock;
};

class VfResolver {
public:
    VfResolver(const linux::Sysfs& sysfs, const StatePaths& paths, const AttachmentStore& store)
        : sysfs_(sysfs), paths_(paths), store_(store) {}

    // With a deviceID: that VF, locked; busy when an attachment (even this one) holds it. Without: the first
    // VF of pfNetdevice that no attachment holds and whose netdev is in the host namespace,
    // chosen under the PF's lock. Either way the caller claims it, under the lock returned.
    ResolvedVf resolve(const PluginConfig& cfg, linux::RouteSocket& host) const;

    // The VF of an existing attachment, locked (for DEL/GC). Throws cni::Error(TryAgainLater).
    linux::FileLock lockVf(const std::string& pciAddress, std::chrono::milliseconds timeout) const;

private:
    ResolvedVf byDeviceId(const std::string& bdf, const PluginConfig& cfg) const;
    void warnIfNotAllocated(const std::string& bdf) const;
    ResolvedVf fromPf(const std::string& pfNetdev, const PluginConfig& cfg, linux::RouteSocket& host) const;

    const linux::Sysfs& sysfs_;
    const StatePaths& paths_;
    const AttachmentStore& store_;
};

}  // namespace ibvf::plugin
