#pragma once
// RDMA port counters and state over RDMA netlink (nldev), for a device the host's sysfs no longer
// shows because it was moved into a pod's network namespace (exclusive RDMA netns mode). The
// NETLINK_RDMA socket is opened inside that namespace (scoped setns, undone before open()
// returns); there the kernel answers for the device as it would on the host.
//
// What the kernel sends over nldev: per port the state and physical state (CMD_PORT_GET), the
// driver's hw counters (CMD_STAT_GET), and per device the node GUID and protocol (CMD_GET). The
// PMA counters of sysfs' ports/<n>/counters have no nldev attribute, so RdmaPortCounters::counters
// stays empty on this path. Like LinkStatsReader, a reader keeps its namespace alive: one scrape.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "linux/RdmaPortCounters.hpp"
#include "linux/ReadResult.hpp"

namespace ibvf::linux {

class NetNs;
struct NamespacedSocket;

// The requests RdmaCounterReader sends and the parsers of their replies (exact-bytes tests).
namespace rdmastatmsg {
// CMD_PORT_GET, NLM_F_REQUEST|NLM_F_DUMP: RDMA_NLDEV_ATTR_DEV_INDEX u32.
std::vector<std::uint8_t> portDump(std::uint32_t deviceIndex);
// CMD_STAT_GET, NLM_F_REQUEST|NLM_F_ACK: DEV_INDEX u32, PORT_INDEX u32 (the port's default
// counters: RDMA_NLDEV_ATTR_STAT_HWCOUNTERS).
std::vector<std::uint8_t> statGet(std::uint32_t deviceIndex, std::uint32_t port);

struct DeviceAttrs {  // from a CMD_GET reply (rdmamsg::deviceDump())
    std::uint32_t index = 0;
    std::string name;
    std::optional<std::uint64_t> nodeGuid;  // as the kernel sends it (host order of the GUID text)
    std::string protocol;                   // "ib", "roce", "iw"
};
std::optional<DeviceAttrs> parseDevice(std::span<const std::uint8_t> getReply);
struct PortAttrs {  // from a CMD_PORT_GET reply
    std::uint32_t port = 0;
    std::optional<unsigned> state;
    std::optional<unsigned> physState;
};
std::optional<PortAttrs> parsePort(std::span<const std::uint8_t> portGetReply);
// name -> value of every RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY in a CMD_STAT_GET reply.
std::map<std::string, std::uint64_t> parseHwCounters(std::span<const std::uint8_t> statGetReply);
}  // namespace rdmastatmsg

class RdmaCounterReader {
public:
    // Inside `ns` (from openRecordedNetns, as for LinkStatsReader::open). Failed when the kernel
    // has no RDMA netlink (ib_core not loaded).
    static ReadResult<RdmaCounterReader> open(const NetNs& ns);
    static ReadResult<RdmaCounterReader> here();

    ~RdmaCounterReader();
    RdmaCounterReader(RdmaCounterReader&&) noexcept;
    RdmaCounterReader& operator=(RdmaCounterReader&&) noexcept;
    RdmaCounterReader(const RdmaCounterReader&) = delete;
    RdmaCounterReader& operator=(const RdmaCounterReader&) = delete;

    // Every port of `device` (source Netlink); NotVisible when this namespace has no device of
    // that name. A port whose counters the kernel refuses (EOPNOTSUPP: a driver without hw
    // counters) still comes back with its state; the refusal counts in `unreadable`.
    ReadResult<std::vector<RdmaPortCounters>> read(std::string_view device);

private:
    struct Impl;
    explicit RdmaCounterReader(std::unique_ptr<Impl> impl);
    static ReadResult<RdmaCounterReader> over(ReadResult<NamespacedSocket> opened);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
