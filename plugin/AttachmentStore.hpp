#pragma once
// Per-attachment state files plus a claim per VF, both under <state root>/ibvf/ (their names
// and format: node/AttachmentState.hpp):
//   <containerId>:<ifname>.json   the node::AttachmentState
//   vf/<pci address>              a hard link to the attachment's first state: names its holder
// The claim is linked before the state and removed after it, so a crash leaves at worst a claim
// whose attachment no longer exists, which the next ADD recognises as stale. Sharing the inode
// saves ext4 an inode allocation per ADD and a free per DEL (docs/performance.md).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "node/AttachmentState.hpp"

namespace ibvf::plugin {

class AttachmentStore {
public:
    explicit AttachmentStore(std::filesystem::path dir);

    std::optional<node::AttachmentState> load(const std::string& containerId, const std::string& ifname) const;
    void save(const node::AttachmentState& state) const;
    // The first save of an attachment, which also claims its VF (state.pciAddress; a stale claim
    // is replaced: the caller holds the VF's lock and found no holder). False (claim withdrawn,
    // no state written) when the state exists already, so of two ADDs racing for one
    // (container ID, ifname) exactly one goes on.
    bool create(const node::AttachmentState& state) const;
    void remove(const std::string& containerId, const std::string& ifname) const;
    std::vector<node::AttachmentState> all() const;

    // The attachment holding a VF, when that attachment's state still exists.
    std::optional<node::AttachmentState> holderOf(const std::string& pciAddress) const;
    void releaseClaim(const std::string& pciAddress) const;
    // The VFs whose claim names (containerId, ifname), whether or not its state exists: what a
    // DEL still has to release after an ADD was killed between its claim and its state.
    std::vector<std::string> claimsOf(const std::string& containerId, const std::string& ifname) const;
    // Every claimed VF whose claim names an attachment without state (GC's leftovers to drop).
    std::vector<std::string> claimsWithoutState() const;

    // Throws cni::Error(PluginNotAvailable) when the directory cannot be created or written.
    void checkWritable() const;
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path statePath(const std::string& containerId, const std::string& ifname) const;
    std::filesystem::path claimPath(const std::string& pciAddress) const;
    std::filesystem::path dir_;
};

}  // namespace ibvf::plugin
