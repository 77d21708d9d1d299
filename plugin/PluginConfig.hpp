#pragma once
// The ibvf part of a network configuration, typed and validated. Unknown fields are ignored, as
// the CNI spec asks.
#include <chrono>
#include <optional>
#include <string>

#include "cni/NetConf.hpp"
#include "cni/Result.hpp"
#include "linux/Guid.hpp"
#include "linux/VfControl.hpp"

namespace ibvf::plugin {

struct PluginConfig {
    std::optional<std::string> deviceId;     // VF PCI address: deviceID, runtimeConfig.deviceID, pciBusID
    std::optional<std::string> pfNetdevice;  // pick a free VF of this PF when no deviceID
    std::optional<unsigned> mtu;
    std::optional<kernel::VfLinkState> linkState;
    // First found wins: runtimeConfig.infinibandGUID, args.cni.guid, guid. Without one, guidPool
    // derives a GUID per VF (stable across restarts, distinct per VF).
    std::optional<kernel::Guid> guid;
    std::optional<kernel::GuidPool> guidPool;  // "link_state": auto | enable | disable, set through the PF
    std::string ipamType;                    // empty: no IPAM
    cni::Dns dns;
    std::optional<std::string> logLevel;
    std::optional<std::string> logFile;
    std::chrono::milliseconds lockTimeout{10000};

    // Throws cni::Error(InvalidNetworkConfig) naming the field.
    static PluginConfig parse(const cni::NetConf& conf);
};

}  // namespace ibvf::plugin
