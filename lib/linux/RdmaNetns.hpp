#pragma once
// RDMA devices and network namespaces (NETLINK_RDMA, the nldev client). In exclusive mode an RDMA
// device belongs to one network namespace and is visible only there, which is what isolates a
// pod's VF; in shared mode (the kernel default) every namespace sees every device.
//
// The real implementation needs RDMA hardware to do anything useful; tests use the recording fake
// in tests/support/RecordingRdmaNetns.hpp and check the request bytes built by rdmamsg.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::linux {

// Values of RDMA_NLDEV_SYS_ATTR_NETNS_MODE.
enum class RdmaNetnsMode : std::uint8_t { Exclusive = 0, Shared = 1 };

std::string_view rdmaNetnsModeName(RdmaNetnsMode mode);  // "exclusive", "shared"

// An interface: its destructor is out of line only to anchor the vtable.
class RdmaNetns {  // NOLINT(cppcoreguidelines-special-member-functions)
public:
    virtual ~RdmaNetns();
    virtual RdmaNetnsMode netnsMode() = 0;
    // The device's index, nullopt when this namespace does not see a device of that name.
    virtual std::optional<std::uint32_t> deviceIndex(std::string_view device) = 0;
    // Moves the device (looked up by name in this object's namespace) into the namespace of
    // `netnsFd`. Throws KernelError ENODEV when the device is not visible here. To move a device
    // back from a pod, create the object inside the pod's namespace and pass the host's fd.
    virtual void moveToNetns(std::string_view device, int netnsFd) = 0;
};

// The requests NetlinkRdmaNetns sends, as bytes (exposed for exact-bytes tests). Nldev messages
// are a bare nlmsghdr (type RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd)) followed by attributes.
namespace rdmamsg {
std::vector<std::uint8_t> sysGet();      // CMD_SYS_GET, NLM_F_REQUEST|NLM_F_ACK
std::vector<std::uint8_t> deviceDump();  // CMD_GET, NLM_F_REQUEST|NLM_F_DUMP
// CMD_SET, NLM_F_REQUEST|NLM_F_ACK: RDMA_NLDEV_ATTR_DEV_INDEX u32, RDMA_NLDEV_NET_NS_FD u32.
std::vector<std::uint8_t> moveToNetns(std::uint32_t deviceIndex, int netnsFd);

std::optional<RdmaNetnsMode> parseNetnsMode(std::span<const std::uint8_t> sysGetReply);
struct DeviceEntry {
    std::uint32_t index = 0;
    std::string name;
};
std::optional<DeviceEntry> parseDevice(std::span<const std::uint8_t> getReply);
}  // namespace rdmamsg

// NETLINK_RDMA in the namespace the calling thread is in when the object is created. The
// constructor throws KernelError (EPROTONOSUPPORT: "... is the ib_core module loaded?") when the
// kernel has no RDMA netlink.
class NetlinkRdmaNetns final : public RdmaNetns {
public:
    NetlinkRdmaNetns();
    ~NetlinkRdmaNetns() override;
    NetlinkRdmaNetns(const NetlinkRdmaNetns&) = delete;
    NetlinkRdmaNetns& operator=(const NetlinkRdmaNetns&) = delete;

    RdmaNetnsMode netnsMode() override;
    std::optional<std::uint32_t> deviceIndex(std::string_view device) override;
    void moveToNetns(std::string_view device, int netnsFd) override;

    std::vector<rdmamsg::DeviceEntry> devices();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
