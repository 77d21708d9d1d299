#include "plugin/VfResolver.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"
#include "node/AdvertisedVfs.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

}  // namespace

linux::FileLock VfResolver::lockVf(const std::string& pciAddress, std::chrono::milliseconds timeout) const {
    auto lock = linux::FileLock::tryAcquire(paths_.vfLock(pciAddress), timeout);
    if (!lock) {
        throw Error(ErrorCode::TryAgainLater, "VF " + pciAddress + " is busy with another ADD or DEL",
                    "lock " + paths_.vfLock(pciAddress).string() + " not acquired within " + std::to_string(timeout.count()) + " ms");
    }
    return std::move(*lock);
}

ResolvedVf VfResolver::resolve(const PluginConfig& cfg, linux::RouteSocket& host) const {
    if (cfg.deviceId) return byDeviceId(*cfg.deviceId, cfg);
    if (cfg.pfNetdevice) return fromPf(*cfg.pfNetdevice, cfg, host);
    throw Error(ErrorCode::InvalidNetworkConfig, "no VF to attach: deviceID is missing",
                "Multus sets deviceID from the device plugin's allocation; without a device plugin, set "
                "\"deviceID\" to the VF's PCI address or \"pfNetdevice\" to let ibvf pick a free VF");
}

ResolvedVf VfResolver::byDeviceId(const std::string& bdf, const PluginConfig& cfg) const {
    linux::VfInfo vf;
    try {
        vf = sysfs_.vf(bdf);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::DeviceNotFound, "deviceID " + bdf + " is not an SR-IOV VF", e.what());
    }
    auto lock = lockVf(bdf, cfg.lockTimeout);
    // Held by this very attachment too: another ADD of it got here first (a claim without a state,
    // left by a killed ADD, names no holder and is taken over).
    if (auto holder = store_.holderOf(bdf)) {
        throw Error(ErrorCode::DeviceBusy, "VF " + bdf + " is already attached",
                    "held by container " + holder->containerId + " as " + holder->ifname);
    }
    warnIfNotAllocated(bdf);
    return ResolvedVf{std::move(vf), std::move(lock)};
}

// kubelet calls the device plugin's Allocate, which writes the record, before the pod's sandbox
// exists, so a deviceID from Multus always has one. A VF the device plugin offers but kubelet
// never allocated came from elsewhere (a deviceID written into the network config, a second
// pool): kubelet may give it to another pod any time, and that pod's ADD then fails as busy.
// Only a warning: the ADD itself is sound, and the operator may mean it.
void VfResolver::warnIfNotAllocated(const std::string& bdf) const {
    if (std::filesystem::exists(paths_.allocationRecord(bdf))) return;
    std::optional<std::string> resource;
    try {
        resource = node::advertisedResourceOf(paths_.advertisedVfs(), bdf);
    } catch (const std::exception& e) {
        spdlog::debug("not checking deviceID {} against the device plugin: {}", bdf, e.what());
        return;
    }
    if (!resource) return;
    spdlog::warn(
        "deviceID {} is a VF ibvf-device-plugin offers as {}, but kubelet has not allocated it (no record in "
        "{}): kubelet may give it to another pod, whose ADD will then fail with the VF busy",
        bdf, *resource, paths_.allocations.string());
}

ResolvedVf VfResolver::fromPf(const std::string& pfNetdev, const PluginConfig& cfg, linux::RouteSocket& host) const {
    linux::PfInfo pf;
    try {
        pf = sysfs_.pfByNetdev(pfNetdev);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::DeviceNotFound, "pfNetdevice " + pfNetdev + " is not an SR-IOV PF", e.what());
    }
    // The PF lock serialises only the choice; the VF's lock, taken under it and held until the
    // claim is written, is what keeps a VF from being handed out twice once the PF lock is gone.
    auto pfLock = linux::FileLock::tryAcquire(paths_.pfLock(pf.pciAddress), cfg.lockTimeout);
    if (!pfLock) {
        throw Error(ErrorCode::TryAgainLater, "PF " + pfNetdev + " is busy with another VF allocation",
                    paths_.pfLock(pf.pciAddress).string());
    }
    for (const auto& bdf : pf.vfPciAddresses) {
        if (store_.holderOf(bdf)) continue;
        // The device plugin's record: kubelet gave this VF to a pod, which gets it as deviceID.
        if (std::filesystem::exists(paths_.allocationRecord(bdf))) continue;
        linux::VfInfo vf;
        try {
            vf = sysfs_.vf(bdf);
        } catch (const linux::KernelError& e) {
            spdlog::debug("skipping {}: {}", bdf, e.what());
            continue;
        }
        if (vf.netdevs.empty() || !host.linkByName(vf.netdevs.front())) continue;
        auto lock = linux::FileLock::tryAcquire(paths_.vfLock(bdf), std::chrono::milliseconds(0));
        if (!lock) continue;
        spdlog::info("picked free VF {} ({}) of {}", bdf, vf.netdevs.front(), pfNetdev);
        return ResolvedVf{std::move(vf), std::move(*lock)};
    }
    throw Error(ErrorCode::DeviceBusy, "no free VF on " + pfNetdev,
                std::to_string(pf.vfPciAddresses.size()) + " VFs, all attached or without a netdev in the host namespace");
}

}  // namespace ibvf::plugin
