#include "node/VfAttachment.hpp"

#include <stdexcept>
#include <system_error>

#include "linux/AtomicFile.hpp"
#include "linux/Sysfs.hpp"
#include "node/AttachmentState.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::node {

std::optional<VfAttachment> findAttachmentOfVf(const std::filesystem::path& attachmentsDir, const std::string& pciAddress) {
    // The address becomes a file name: nothing but a PCI address may choose it.
    if (!linux::isValidPciAddress(pciAddress)) throw std::invalid_argument("'" + pciAddress + "' is not a PCI address (dddd:bb:dd.f)");
    const auto claimFile = vfClaimFileIn(attachmentsDir, pciAddress);
    const auto key = linux::readFile(claimFile);
    if (!key) return std::nullopt;
    const auto holder = parseClaim(*key);
    if (!holder) throw std::runtime_error(claimFile.string() + ": neither an attachment state nor <container id>:<ifname>");
    const auto stateFile = attachmentStateFileIn(attachmentsDir, holder->containerId, holder->ifname);
    const auto text = linux::readFile(stateFile);
    if (!text) return std::nullopt;  // the claim of an attachment being removed (or an ADD killed early)
    AttachmentState s;
    try {
        s = AttachmentState::fromJson(*text);
    } catch (const std::exception& e) {
        throw std::runtime_error(stateFile.string() + ": " + e.what());
    }
    if (s.pciAddress != pciAddress) return std::nullopt;  // a stale claim: the attachment holds another VF
    VfAttachment a;
    a.containerId = s.containerId;
    a.ifname = s.ifname;
    if (!s.vfioPciMode) a.vfNetdev = s.pkey ? s.podParentName : s.ifname;
    a.netns = s.netns;
    a.netnsInode = s.netnsInode;
    a.netnsCookie = s.netnsCookie;
    a.rdmaDevice = s.rdmaDevice;
    a.attached = s.phase == AttachPhase::Attached;
    return a;
}

std::optional<VfAttachment> findAttachmentOfVf(const std::string& pciAddress) {
    return findAttachmentOfVf(attachmentsDirIn(stateRoot()), pciAddress);
}

std::optional<std::set<std::string>> claimedVfs(const std::filesystem::path& attachmentsDir) {
    std::set<std::string> out;
    std::error_code ec;
    std::filesystem::directory_iterator it(vfClaimsDirIn(attachmentsDir), ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) return out;  // no ADD has claimed a VF on this node yet
        return std::nullopt;
    }
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (linux::isValidPciAddress(name)) out.insert(std::move(name));  // not the files a crash-safe write leaves for a moment
    }
    if (ec) return std::nullopt;
    return out;
}

}  // namespace ibvf::node
