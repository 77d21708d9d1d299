#include "plugin/AttachmentStore.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"
#include "node/NodePaths.hpp"
#include "plugin/FaultPoints.hpp"

namespace ibvf::plugin {
namespace {

// What the state describes (a netdev in a namespace) does not outlive a reboot, so it needs to
// survive a killed plugin, not a power cut: the fsyncs would cost every ADD milliseconds (docs/performance.md).
constexpr auto kStateDurability = linux::Durability::CrashSafe;

}  // namespace

AttachmentStore::AttachmentStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path AttachmentStore::statePath(const std::string& containerId, const std::string& ifname) const {
    return node::attachmentStateFileIn(dir_, containerId, ifname);
}

std::filesystem::path AttachmentStore::claimPath(const std::string& pciAddress) const { return node::vfClaimFileIn(dir_, pciAddress); }

std::optional<node::AttachmentState> AttachmentStore::load(const std::string& containerId, const std::string& ifname) const {
    const auto path = statePath(containerId, ifname);
    auto text = linux::readFile(path);
    if (!text) return std::nullopt;
    try {
        return node::AttachmentState::fromJson(*text);
    } catch (const std::exception& e) {
        throw cni::Error(cni::ErrorCode::IoFailure, "attachment state is corrupt", path.string() + ": " + e.what());
    }
}

void AttachmentStore::save(const node::AttachmentState& state) const {
    linux::makeDirectories(dir_);
    linux::writeFileAtomic(statePath(state.containerId, state.ifname), state.toJson(), 0600, kStateDurability);
}

bool AttachmentStore::create(const node::AttachmentState& state) const {
    linux::makeDirectories(node::vfClaimsDirIn(dir_));
    const auto claim = claimPath(state.pciAddress);
    linux::writeFileAtomic(claim, state.toJson(), 0600, kStateDurability);
    faults::reach("attach.claimed");
    if (linux::linkFile(claim, statePath(state.containerId, state.ifname))) return true;
    releaseClaim(state.pciAddress);
    return false;
}

void AttachmentStore::remove(const std::string& containerId, const std::string& ifname) const {
    linux::removeFile(statePath(containerId, ifname));
}

std::vector<node::AttachmentState> AttachmentStore::all() const {
    std::vector<node::AttachmentState> states;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().extension() != ".json") continue;
        auto text = linux::readFile(entry.path());
        if (!text) continue;
        try {
            states.push_back(node::AttachmentState::fromJson(*text));
        } catch (const std::exception& e) {
            spdlog::warn("skipping corrupt attachment state {}: {}", entry.path().string(), e.what());
        }
    }
    return states;
}

std::optional<node::AttachmentState> AttachmentStore::holderOf(const std::string& pciAddress) const {
    auto claim = linux::readFile(claimPath(pciAddress));
    if (!claim) return std::nullopt;
    const auto holder = node::parseClaim(*claim);
    if (!holder) return std::nullopt;
    return load(holder->containerId, holder->ifname);
}

void AttachmentStore::releaseClaim(const std::string& pciAddress) const { linux::removeFile(claimPath(pciAddress)); }

std::vector<std::string> AttachmentStore::claimsOf(const std::string& containerId, const std::string& ifname) const {
    std::vector<std::string> vfs;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(node::vfClaimsDirIn(dir_), ec)) {
        const auto pci = entry.path().filename().string();
        if (linux::isAtomicTempFileName(pci)) continue;  // a claim being written
        const auto claim = linux::readFile(entry.path());
        const auto holder = claim ? node::parseClaim(*claim) : std::nullopt;
        if (holder && holder->containerId == containerId && holder->ifname == ifname) vfs.push_back(pci);
    }
    return vfs;
}

std::vector<std::string> AttachmentStore::claimsWithoutState() const {
    std::vector<std::string> vfs;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(node::vfClaimsDirIn(dir_), ec)) {
        const auto pci = entry.path().filename().string();
        if (linux::isAtomicTempFileName(pci)) continue;
        try {
            if (!holderOf(pci)) vfs.push_back(pci);
        } catch (const cni::Error& e) {
            spdlog::warn("VF {}: {} ({}); leaving its claim", pci, e.msg(), e.details());  // a corrupt state is still a state
        }
    }
    return vfs;
}

void AttachmentStore::checkWritable() const {
    try {
        linux::makeDirectories(dir_);
    } catch (const std::exception& e) {
        throw cni::Error(cni::ErrorCode::PluginNotAvailable, "state directory cannot be created", e.what());
    }
    if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
        throw cni::Error(cni::ErrorCode::PluginNotAvailable, "state directory is not writable", dir_.string());
    }
}

}  // namespace ibvf::plugin
