#include "plugin/AttachmentStore.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {
namespace {

// What the state describes (a netdev in a namespace) does not outlive a reboot, so it needs to
// survive a killed plugin, not a power cut: the fsyncs would cost every ADD milliseconds (docs/performance.md).
constexpr auto kStateDurability = kernel::Durability::CrashSafe;

std::string attachmentKey(const std::string& containerId, const std::string& ifname) {
    return containerId + ":" + ifname;
}

}  // namespace

AttachmentStore::AttachmentStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path AttachmentStore::statePath(const std::string& containerId, const std::string& ifname) const {
    return dir_ / (attachmentKey(containerId, ifname) + ".json");
}

std::filesystem::path AttachmentStore::claimPath(const std::string& pciAddress) const {
    return dir_ / "vf" / pciAddress;
}

std::optional<AttachmentState> AttachmentStore::load(const std::string& containerId, const std::string& ifname) const {
    const auto path = statePath(containerId, ifname);
    auto text = kernel::readFile(path);
    if (!text) return std::nullopt;
    try {
        return AttachmentState::fromJson(*text);
    } catch (const std::exception& e) {
        throw cni::Error(cni::ErrorCode::IoFailure, "attachment state is corrupt", path.string() + ": " + e.what());
    }
}

void AttachmentStore::save(const AttachmentState& state) const {
    kernel::makeDirectories(dir_);
    kernel::writeFileAtomic(statePath(state.containerId, state.ifname), state.toJson(), 0600, kStateDurability);
}

bool AttachmentStore::create(const AttachmentState& state) const {
    kernel::makeDirectories(dir_);
    return kernel::createFileAtomic(statePath(state.containerId, state.ifname), state.toJson(), 0600, kStateDurability);
}

void AttachmentStore::remove(const std::string& containerId, const std::string& ifname) const {
    kernel::removeFile(statePath(containerId, ifname));
}

std::vector<AttachmentState> AttachmentStore::all() const {
    std::vector<AttachmentState> states;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().extension() != ".json") continue;
        auto text = kernel::readFile(entry.path());
        if (!text) continue;
        try {
            states.push_back(AttachmentState::fromJson(*text));
        } catch (const std::exception& e) {
            spdlog::warn("skipping corrupt attachment state {}: {}", entry.path().string(), e.what());
        }
    }
    return states;
}

std::optional<AttachmentState> AttachmentStore::holderOf(const std::string& pciAddress) const {
    auto key = kernel::readFile(claimPath(pciAddress));
    if (!key) return std::nullopt;
    const auto sep = key->find(':');
    if (sep == std::string::npos) return std::nullopt;
    return load(key->substr(0, sep), key->substr(sep + 1));
}

void AttachmentStore::claim(const std::string& pciAddress, const std::string& containerId,
                            const std::string& ifname) const {
    kernel::makeDirectories(dir_ / "vf");
    kernel::writeFileAtomic(claimPath(pciAddress), attachmentKey(containerId, ifname), 0600, kStateDurability);
}

void AttachmentStore::releaseClaim(const std::string& pciAddress) const {
    kernel::removeFile(claimPath(pciAddress));
}

std::vector<std::string> AttachmentStore::claimsOf(const std::string& containerId, const std::string& ifname) const {
    std::vector<std::string> vfs;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "vf", ec)) {
        const auto pci = entry.path().filename().string();
        if (kernel::isAtomicTempFileName(pci)) continue;  // a claim being written
        if (kernel::readFile(entry.path()) == attachmentKey(containerId, ifname)) vfs.push_back(pci);
    }
    return vfs;
}

std::vector<std::string> AttachmentStore::claimsWithoutState() const {
    std::vector<std::string> vfs;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "vf", ec)) {
        const auto pci = entry.path().filename().string();
        if (kernel::isAtomicTempFileName(pci)) continue;
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
        kernel::makeDirectories(dir_);
    } catch (const std::exception& e) {
        throw cni::Error(cni::ErrorCode::PluginNotAvailable, "state directory cannot be created", e.what());
    }
    if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
        throw cni::Error(cni::ErrorCode::PluginNotAvailable, "state directory is not writable", dir_.string());
    }
}

}  // namespace ibvf::plugin
