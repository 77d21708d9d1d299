#include "linux/RdmaNetns.hpp"

#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>
#include <unistd.h>

#include <cerrno>

#include "linux/KernelError.hpp"
#include "linux/NetlinkSocket.hpp"

namespace ibvf::linux {

RdmaNetns::~RdmaNetns() = default;

std::string_view rdmaNetnsModeName(RdmaNetnsMode mode) { return mode == RdmaNetnsMode::Exclusive ? "exclusive" : "shared"; }

namespace rdmamsg {

namespace {

constexpr std::uint16_t nldevType(int cmd) { return static_cast<std::uint16_t>(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd)); }

}  // namespace

std::vector<std::uint8_t> sysGet() { return NlMessageBuilder(nldevType(RDMA_NLDEV_CMD_SYS_GET), NLM_F_REQUEST | NLM_F_ACK).finish(); }

std::vector<std::uint8_t> deviceDump() { return NlMessageBuilder(nldevType(RDMA_NLDEV_CMD_GET), NLM_F_REQUEST | NLM_F_DUMP).finish(); }

std::vector<std::uint8_t> moveToNetns(std::uint32_t deviceIndex, int netnsFd) {
    NlMessageBuilder b(nldevType(RDMA_NLDEV_CMD_SET), NLM_F_REQUEST | NLM_F_ACK);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, deviceIndex);
    b.putU32(RDMA_NLDEV_NET_NS_FD, static_cast<std::uint32_t>(netnsFd));
    return b.finish();
}

std::optional<RdmaNetnsMode> parseNetnsMode(std::span<const std::uint8_t> sysGetReply) {
    const auto attrs = nlMessageAttrs(sysGetReply, 0);
    const NlAttr* mode = findNlAttr(attrs, RDMA_NLDEV_SYS_ATTR_NETNS_MODE);
    if (!mode || mode->payload.empty()) return std::nullopt;
    return mode->payload[0] == 0 ? RdmaNetnsMode::Exclusive : RdmaNetnsMode::Shared;
}

std::optional<DeviceEntry> parseDevice(std::span<const std::uint8_t> getReply) {
    const auto attrs = nlMessageAttrs(getReply, 0);
    const auto index = nlAttrAs<std::uint32_t>(findNlAttr(attrs, RDMA_NLDEV_ATTR_DEV_INDEX));
    const NlAttr* name = findNlAttr(attrs, RDMA_NLDEV_ATTR_DEV_NAME);
    if (!index || !name) return std::nullopt;
    return DeviceEntry{*index, nlAttrString(*name)};
}

}  // namespace rdmamsg

// ---------------------------------------------------------------------------------------------

namespace {

NetlinkSocket openRdmaSocket() {
    try {
        return NetlinkSocket(NETLINK_RDMA, "RDMA netlink");
    } catch (const KernelError& e) {
        if (e.err() == EPROTONOSUPPORT)
            throw KernelError(e.err(), "open RDMA netlink socket (no RDMA subsystem in this kernel: is the ib_core module loaded?)");
        throw;
    }
}

std::string describeNetnsFd(int fd) {
    char target[64] = {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "fd " + std::to_string(fd);
}

}  // namespace

struct NetlinkRdmaNetns::Impl {
    NetlinkSocket sock = openRdmaSocket();
};

NetlinkRdmaNetns::NetlinkRdmaNetns() : impl_(std::make_unique<Impl>()) {}
NetlinkRdmaNetns::~NetlinkRdmaNetns() = default;

RdmaNetnsMode NetlinkRdmaNetns::netnsMode() {
    std::optional<RdmaNetnsMode> mode;
    const auto outcome = impl_->sock.request(rdmamsg::sysGet(), [&](std::span<const std::uint8_t> msg, std::uint16_t) {
        if (!mode) mode = rdmamsg::parseNetnsMode(msg);
    });
    const std::string what = "read the RDMA subsystem's netns mode";
    if (outcome.error) throwNetlinkFailure(outcome, what);
    if (!mode) throwErr(EPROTO, what + ": the kernel's reply has no RDMA_NLDEV_SYS_ATTR_NETNS_MODE");
    return *mode;
}

std::vector<rdmamsg::DeviceEntry> NetlinkRdmaNetns::devices() {
    std::vector<rdmamsg::DeviceEntry> out;
    const auto outcome = impl_->sock.request(rdmamsg::deviceDump(), [&](std::span<const std::uint8_t> msg, std::uint16_t) {
        if (auto d = rdmamsg::parseDevice(msg)) out.push_back(std::move(*d));
    });
    if (outcome.error) throwNetlinkFailure(outcome, "list RDMA devices");
    return out;
}

std::optional<std::uint32_t> NetlinkRdmaNetns::deviceIndex(std::string_view device) {
    for (const auto& d : devices())
        if (d.name == device) return d.index;
    return std::nullopt;
}

void NetlinkRdmaNetns::moveToNetns(std::string_view device, int netnsFd) {
    const std::string what = "move RDMA device " + std::string(device) + " to netns " + describeNetnsFd(netnsFd);
    const auto index = deviceIndex(device);
    if (!index) throwErr(ENODEV, what + ": no such RDMA device in this namespace");
    const auto outcome = impl_->sock.request(rdmamsg::moveToNetns(*index, netnsFd));
    if (outcome.error) throwNetlinkFailure(outcome, what);
}

}  // namespace ibvf::linux
