#include "support/RecordingRdmaNetns.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "linux/KernelError.hpp"

namespace ibvf::test {

using linux::KernelError;

namespace {

// "net:[<inode>]" as the kernel prints it. By inode, not readlink: an fd opened through a
// /run/netns bind mount reads back as that path.
std::string idOf(const struct stat& st) { return "net:[" + std::to_string(st.st_ino) + "]"; }

}  // namespace

std::string RdmaCall::str() const {
    std::string s = op;
    if (!device.empty()) s += " " + device;
    if (!targetNetns.empty()) s += " -> " + targetNetns;
    if (failedWith) s += " -> errno " + std::to_string(failedWith);
    return s;
}

RecordingRdmaNetns::RecordingRdmaNetns() : home_(currentNetnsId()) {}

std::string RecordingRdmaNetns::netnsIdOfFd(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) linux::throwErrno("stat netns fd " + std::to_string(fd));
    return idOf(st);
}

std::string RecordingRdmaNetns::currentNetnsId() {
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) != 0) linux::throwErrno("stat /proc/thread-self/ns/net");
    return idOf(st);
}

void RecordingRdmaNetns::addDevice(std::string name, std::uint32_t index) { devices_[std::move(name)] = Device{index, home_}; }

void RecordingRdmaNetns::failCall(int n, int err) { plan_.failCall(static_cast<int>(calls_.size()), n, err); }

void RecordingRdmaNetns::failOperation(std::string op, int err, int times) { plan_.failOperation(std::move(op), err, times); }

void RecordingRdmaNetns::clearFailures() { plan_.clear(); }

std::vector<std::string> RecordingRdmaNetns::callStrings() const {
    std::vector<std::string> out;
    for (const auto& c : calls_) out.push_back(c.str());
    return out;
}

std::optional<std::string> RecordingRdmaNetns::netnsOf(const std::string& device) const {
    const auto it = devices_.find(device);
    if (it == devices_.end()) return std::nullopt;
    return it->second.netns;
}

void RecordingRdmaNetns::record(RdmaCall call, int naturalErr, const std::string& naturalWhat) {
    int err = plan_.take(static_cast<int>(calls_.size()) + 1, call.op);
    std::string what = call.op + (call.device.empty() ? "" : " " + call.device) + " (recording fake)";
    if (!err && naturalErr) {
        err = naturalErr;
        what = naturalWhat;
    }
    call.failedWith = err;
    calls_.push_back(std::move(call));
    if (err) throw KernelError(err, what);
}

const RecordingRdmaNetns::Device* RecordingRdmaNetns::visible(std::string_view device) const {
    const auto it = devices_.find(device);
    if (it == devices_.end()) return nullptr;
    if (mode_ == linux::RdmaNetnsMode::Shared || it->second.netns == currentNetnsId()) return &it->second;
    return nullptr;
}

linux::RdmaNetnsMode RecordingRdmaNetns::netnsMode() {
    record(RdmaCall{"netnsMode", {}, {}, 0});
    return mode_;
}

std::optional<std::uint32_t> RecordingRdmaNetns::deviceIndex(std::string_view device) {
    record(RdmaCall{"deviceIndex", std::string(device), {}, 0});
    const Device* d = visible(device);
    if (!d) return std::nullopt;
    return d->index;
}

void RecordingRdmaNetns::moveToNetns(std::string_view device, int netnsFd) {
    const std::string target = netnsIdOfFd(netnsFd);
    const std::string what = "move RDMA device " + std::string(device) + " to netns " + target + " (recording fake)";
    // The kernel's own refusals are recorded as failed calls, like injected ones.
    int err = 0;
    std::string why;
    if (!visible(device)) {
        err = ENODEV;
        why = what + ": no such RDMA device in this namespace";
    } else if (mode_ != linux::RdmaNetnsMode::Exclusive) {
        err = EOPNOTSUPP;
        why = what + ": the RDMA subsystem is in shared netns mode";
    }
    record(RdmaCall{"moveToNetns", std::string(device), target, 0}, err, why);
    devices_.find(device)->second.netns = target;
}

}  // namespace ibvf::test
