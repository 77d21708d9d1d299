#pragma once
// What ADD changed, written before the first change so that DEL (or a GC after a crash) can put
// everything back even when the pod's namespace is gone. Written by `ibvf` (plugin/AttachmentStore)
// as <state root>/ibvf/<containerId>:<ifname>.json, and the VF's claim vf/<pci> naming the
// attachment (node::attachmentStateFileIn, node::vfClaimFileIn); read by ibvf-diag and, through
// node/VfAttachment.hpp, by the device plugin. A claim is a hard link to the attachment's first
// state (one inode for both: docs/performance.md), so its content is that JSON; only the key in it
// counts, the state file has the current version. Claims written before that hold the bare key
// "<containerId>:<ifname>" and are still read.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/Result.hpp"

namespace ibvf::node {

enum class AttachPhase { Attaching, Attached };

struct AttachmentState {
    std::string containerId;
    std::string ifname;
    std::string network;
    std::string netns;             // path given at ADD
    std::uint64_t netnsInode = 0;  // tells a recycled path from the namespace we used
    // The namespace's cookie (0: none, from an older ibvf or a kernel before 5.14): the kernel
    // reuses a freed namespace's inode number, never its cookie.
    std::uint64_t netnsCookie = 0;
    std::string pciAddress;
    std::string pfPciAddress;
    int vfIndex = -1;
    // The VF netdev as found on the host before ADD.
    std::string hostName;
    int hostIfindex = 0;
    std::string hwaddr;  // identifies the netdev wherever it is, whatever its name
    unsigned mtu = 0;
    bool adminUp = false;
    std::string ipamType;
    // The VF's link state before ADD changed it (as its numeric value); absent when ADD left it alone.
    std::optional<unsigned> vfLinkState;
    // The VF's GUIDs before ADD changed them ("xx:..:xx"), and the driver to rebind it to.
    std::optional<std::string> originalNodeGuid;
    std::optional<std::string> originalPortGuid;
    std::string driver;
    // The GUID ADD gives the VF (node and port), for ibvf-diag to tell when the VF no longer has it.
    std::optional<std::string> guid;
    // ib-sriov-cni's "pkey": the partition ib-kubernetes enrolls the GUID into (nothing is made for it here).
    std::optional<std::string> partition;
    // rdmaIsolation: the VF's RDMA device, recorded before it moves into the pod.
    std::optional<std::string> rdmaDevice;
    // ipoibChild: the pkey of the IPoIB child (CNI_IFNAME) made in the pod; the VF itself is there as `podParentName`.
    std::optional<std::string> pkey;
    int childIfindex = 0;
    std::string podParentName;
    bool vfioPciMode = false;  // no netdev was touched
    AttachPhase phase = AttachPhase::Attaching;
    std::optional<cni::Result> result;  // the result returned by ADD (for CHECK)

    std::string toJson() const;
    // Throws std::runtime_error naming the broken field.
    static AttachmentState fromJson(std::string_view text);
};

// The key that names an attachment in its state file's name and in a VF's claim: ':' is legal in
// neither a container ID nor an interface name.
std::string attachmentKey(const std::string& containerId, const std::string& ifname);
struct AttachmentKey {
    std::string containerId;
    std::string ifname;
};
// nullopt when `key` has no ':'.
std::optional<AttachmentKey> parseAttachmentKey(std::string_view key);
// The attachment a VF's claim names, in either form (a state's JSON, or the bare key of older
// claims); nullopt when it is neither.
std::optional<AttachmentKey> parseClaim(std::string_view claim);

}  // namespace ibvf::node
