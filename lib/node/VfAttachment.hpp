#pragma once
// Which pod holds a VF, read from the plugin's files under <state root>/ibvf: the claim
// vf/<pci> names the attachment, whose state file says where the VF went. Read-only, for the
// device plugin (a VF's counters inside the pod) and ibvf-diag; `ibvf` writes these files through
// plugin/AttachmentStore.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

namespace ibvf::node {

struct VfAttachment {
    std::string containerId;
    std::string ifname;  // CNI_IFNAME: the interface the pod was given
    // The VF's own netdev in the pod: `ifname`, or the IPoIB child's parent when the pod got a
    // child; none in vfio-pci mode (no netdev was touched).
    std::optional<std::string> vfNetdev;
    std::string netns;              // the namespace path given at ADD
    std::uint64_t netnsInode = 0;   // tells a recycled path from the namespace ADD used
    std::uint64_t netnsCookie = 0;  // the same, also after inode reuse (0: not recorded)
    // rdmaIsolation: the VF's RDMA device, moved into the pod's namespace.
    std::optional<std::string> rdmaDevice;
    bool attached = false;  // ADD finished (else it is running, or was killed)
};

// nullopt when no attachment claims the VF or the claimed attachment's state is gone. Throws
// std::invalid_argument for a malformed PCI address and std::runtime_error naming the file for
// a claim or state that cannot be read or parsed.
std::optional<VfAttachment> findAttachmentOfVf(const std::filesystem::path& attachmentsDir, const std::string& pciAddress);
// In node::attachmentsDirIn(node::stateRoot()).
std::optional<VfAttachment> findAttachmentOfVf(const std::string& pciAddress);

// The PCI addresses that have a claim under `attachmentsDir`, from one listing: a reader of many
// VFs asks findAttachmentOfVf() only for these (a VF without a claim costs nothing). Empty when
// there is no claims directory yet; nullopt when it cannot be listed (then ask for every VF).
std::optional<std::set<std::string>> claimedVfs(const std::filesystem::path& attachmentsDir);

}  // namespace ibvf::node
