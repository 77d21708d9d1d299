#include "plugin/PfDriver.hpp"

#include <cerrno>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {

using cni::Error;
using cni::ErrorCode;

int pfIfindexOf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pfPciAddress) {
    linux::PfInfo pf;
    try {
        pf = sysfs.pfByPci(pfPciAddress);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::DeviceNotFound, "PF " + pfPciAddress + " not found", e.what());
    }
    for (const auto& name : pf.netdevs) {
        if (auto link = host.linkByName(name)) return link->ifindex;
    }
    throw Error(ErrorCode::DeviceNotFound, "PF " + pfPciAddress + " has no netdev in the host namespace",
                "VF settings are sent to the PF's netdev; sysfs lists: " + (pf.netdevs.empty() ? std::string("none") : pf.netdevs.front()));
}

void callPfDriver(const std::string& what, const std::function<void()>& call) {
    try {
        call();
    } catch (const linux::KernelError& e) {
        if (e.err() == EOPNOTSUPP) {
            throw Error(ErrorCode::HardwareUnsupported, "cannot " + what + ": the PF's driver does not support it", e.what());
        }
        if (e.err() == ENODEV) {
            throw Error(ErrorCode::DeviceNotFound, "cannot " + what + ": the PF does not report that VF", e.what());
        }
        throw Error(ErrorCode::SystemFailure, "cannot " + what, e.what());
    }
}

linux::VfSettings readVfSettings(linux::VfControl& control, int pfIfindex, int vfIndex, const std::string& what) {
    linux::VfSettings settings;
    callPfDriver(what, [&] { settings = control.get(pfIfindex, vfIndex); });
    return settings;
}

void rebindDriver(const linux::Sysfs& sysfs, const std::string& pciAddress, const std::string& driver) {
    try {
        sysfs.unbindDriver(pciAddress);
        sysfs.bindDriver(pciAddress, driver);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::SystemFailure, "cannot rebind VF " + pciAddress + " to " + driver, e.what());
    }
}

linux::LinkInfo waitForVfNetdev(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pciAddress,
                                const std::string& after) {
    constexpr int kTimeoutMs = 10000;
    auto link = host.waitForLinkNamedBy(
        [&]() -> std::optional<std::string> {
            try {
                auto vf = sysfs.vf(pciAddress);
                if (!vf.netdevs.empty()) return vf.netdevs.front();
            } catch (const linux::KernelError&) {
                // Not re-registered yet.
            }
            return std::nullopt;
        },
        kTimeoutMs);
    if (!link) {
        throw Error(ErrorCode::SystemFailure,
                    "VF " + pciAddress + " has no netdev " + std::to_string(kTimeoutMs / 1000) + " s after " + after,
                    (sysfs.pciDeviceDir(pciAddress) / "net").string() + " stayed empty (see the kernel log)");
    }
    return *link;
}

linux::LinkInfo rebindVf(const linux::Sysfs& sysfs, linux::RouteSocket& host, const std::string& pciAddress, const std::string& driver) {
    rebindDriver(sysfs, pciAddress, driver);
    auto link = waitForVfNetdev(sysfs, host, pciAddress, "rebinding it to " + driver);
    spdlog::info("VF {} rebound to {}: netdev {} (ifindex {})", pciAddress, driver, link.name, link.ifindex);
    return link;
}

}  // namespace ibvf::plugin
