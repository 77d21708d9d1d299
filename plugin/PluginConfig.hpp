#pragma once
// The ibvf part of a network configuration, typed and validated. Unknown fields are ignored, as
// the CNI spec asks.
#include <chrono>
#include <optional>
#include <string>

#include "cni/NetConf.hpp"
#include "cni/Result.hpp"
#include "linux/Guid.hpp"
#include "linux/IpoibLink.hpp"
#include "linux/VfControl.hpp"
#include "plugin/GuidSource.hpp"

namespace ibvf::plugin {

struct PluginConfig {
    std::optional<std::string> deviceId;     // VF PCI address: deviceID, runtimeConfig.deviceID, pciBusID
    std::optional<std::string> pfNetdevice;  // pick a free VF of this PF when no deviceID
    std::optional<unsigned> mtu;
    std::optional<linux::VfLinkState> linkState;
    // First found wins: runtimeConfig.infinibandGUID, args.cni.guid, guid. Without one, guidPool
    // derives a GUID per VF (stable across restarts, distinct per VF).
    std::optional<linux::Guid> guid;
    std::optional<linux::GuidPool> guidPool;
    // guidSource (+ guidRange): GUIDs unique across nodes, when the pod brings none.
    GuidSourceConfig guidSource;
    // Move the VF's RDMA device into the pod too (needs the RDMA subsystem in exclusive netns mode).
    bool rdmaIsolation = false;
    // ib-sriov-cni's meaning: the partition ib-kubernetes enrolls the VF's GUID into at the
    // subnet manager. Recorded with the attachment; the VF itself stays CNI_IFNAME.
    std::optional<linux::Pkey> pkey;
    // ipoibChild.pkey: an IPoIB child for this partition becomes CNI_IFNAME; the VF stays in the
    // pod as its parent "<ifname>-vf".
    std::optional<linux::Pkey> ipoibChild;
    // ib-kubernetes drop-in: ADD waits (code 11) until ib-kubernetes has configured the pod's GUID
    // in the subnet manager (args.cni "mellanox.infiniband.app": "configured") and handed it over.
    bool ibKubernetesEnabled = false;
    // The VF is bound to vfio-pci for a VM: GUID and link state only, no netdev, no addresses.
    bool vfioPciMode = false;
    // runtimeConfig.CNIDeviceInfoFile (capability "CNIDeviceInfoFile"): Multus publishes what we
    // write there (the RDMA device with rdmaIsolation) in the pod's network-status.
    std::optional<std::string> deviceInfoFile;
    std::string ipamType;  // empty: no IPAM
    cni::Dns dns;
    std::optional<std::string> logLevel;
    std::optional<std::string> logFile;  // confined by log::setup (LogPath.hpp)
    std::chrono::milliseconds lockTimeout{10000};

    // Throws cni::Error(InvalidNetworkConfig) naming the field.
    static PluginConfig parse(const cni::NetConf& conf);
};

// ADD with ibKubernetesEnabled: cni::Error(TryAgainLater) until ib-kubernetes has marked the
// pod configured, InvalidNetworkConfig when it gave no GUID. Not part of parse(): DEL, CHECK and
// GC must work whatever ib-kubernetes did.
void requireIbKubernetesHandover(const cni::NetConf& conf, const PluginConfig& cfg);

}  // namespace ibvf::plugin
