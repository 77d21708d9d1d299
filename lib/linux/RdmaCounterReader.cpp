#include "linux/RdmaCounterReader.hpp"

#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>

#include <cerrno>

#include "linux/NetNs.hpp"
#include "linux/NetlinkSocket.hpp"
#include "linux/NetnsSocket.hpp"
#include "linux/RdmaNetns.hpp"

namespace ibvf::linux {

namespace rdmastatmsg {

namespace {

constexpr std::uint16_t nldevType(int cmd) { return static_cast<std::uint16_t>(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd)); }

}  // namespace

std::vector<std::uint8_t> portDump(std::uint32_t deviceIndex) {
    NlMessageBuilder b(nldevType(RDMA_NLDEV_CMD_PORT_GET), NLM_F_REQUEST | NLM_F_DUMP);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, deviceIndex);
    return b.finish();
}

std::vector<std::uint8_t> statGet(std::uint32_t deviceIndex, std::uint32_t port) {
    // No RDMA_NLDEV_ATTR_STAT_RES: the kernel then answers with the port's default (hw) counters.
    NlMessageBuilder b(nldevType(RDMA_NLDEV_CMD_STAT_GET), NLM_F_REQUEST | NLM_F_ACK);
    b.putU32(RDMA_NLDEV_ATTR_DEV_INDEX, deviceIndex);
    b.putU32(RDMA_NLDEV_ATTR_PORT_INDEX, port);
    return b.finish();
}

std::optional<DeviceAttrs> parseDevice(std::span<const std::uint8_t> getReply) {
    const auto attrs = nlMessageAttrs(getReply, 0);
    const auto index = nlAttrAs<std::uint32_t>(findNlAttr(attrs, RDMA_NLDEV_ATTR_DEV_INDEX));
    const NlAttr* name = findNlAttr(attrs, RDMA_NLDEV_ATTR_DEV_NAME);
    if (!index || !name) return std::nullopt;
    DeviceAttrs d;
    d.index = *index;
    d.name = nlAttrString(*name);
    d.nodeGuid = nlAttrAs<std::uint64_t>(findNlAttr(attrs, RDMA_NLDEV_ATTR_NODE_GUID));
    if (const NlAttr* protocol = findNlAttr(attrs, RDMA_NLDEV_ATTR_DEV_PROTOCOL)) d.protocol = nlAttrString(*protocol);
    return d;
}

std::optional<PortAttrs> parsePort(std::span<const std::uint8_t> portGetReply) {
    const auto attrs = nlMessageAttrs(portGetReply, 0);
    const auto port = nlAttrAs<std::uint32_t>(findNlAttr(attrs, RDMA_NLDEV_ATTR_PORT_INDEX));
    if (!port) return std::nullopt;
    PortAttrs p;
    p.port = *port;
    if (const auto s = nlAttrAs<std::uint8_t>(findNlAttr(attrs, RDMA_NLDEV_ATTR_PORT_STATE))) p.state = *s;
    if (const auto s = nlAttrAs<std::uint8_t>(findNlAttr(attrs, RDMA_NLDEV_ATTR_PORT_PHYS_STATE))) p.physState = *s;
    return p;
}

std::map<std::string, std::uint64_t> parseHwCounters(std::span<const std::uint8_t> statGetReply) {
    std::map<std::string, std::uint64_t> out;
    const auto attrs = nlMessageAttrs(statGetReply, 0);
    const NlAttr* table = findNlAttr(attrs, RDMA_NLDEV_ATTR_STAT_HWCOUNTERS);
    if (!table) return out;
    for (const NlAttr& entry : nlAttrs(table->payload)) {
        if (entry.type != RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY) continue;
        const auto fields = nlAttrs(entry.payload);
        const NlAttr* name = findNlAttr(fields, RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_NAME);
        const auto value = nlAttrAs<std::uint64_t>(findNlAttr(fields, RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_VALUE));
        if (name && value) out.insert_or_assign(nlAttrString(*name), *value);
    }
    return out;
}

}  // namespace rdmastatmsg

// ---------------------------------------------------------------------------------------------

namespace {

// sysfs' link_layer words for nldev's protocol names.
std::string linkLayerOf(const std::string& protocol) {
    if (protocol == "ib") return "InfiniBand";
    if (protocol == "roce" || protocol == "iw") return "Ethernet";
    return protocol;
}

ReadError explainMissingRdma(ReadError e) {
    if (e.err == EPROTONOSUPPORT) e.message += " (no RDMA subsystem in this kernel: is the ib_core module loaded?)";
    return e;
}

}  // namespace

struct RdmaCounterReader::Impl : NamespacedSocket {};

RdmaCounterReader::RdmaCounterReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RdmaCounterReader::~RdmaCounterReader() = default;
RdmaCounterReader::RdmaCounterReader(RdmaCounterReader&&) noexcept = default;
RdmaCounterReader& RdmaCounterReader::operator=(RdmaCounterReader&&) noexcept = default;

ReadResult<RdmaCounterReader> RdmaCounterReader::open(const NetNs& ns) {
    return over(openNetlinkSocketIn(ns, NETLINK_RDMA, "RDMA netlink"));
}

ReadResult<RdmaCounterReader> RdmaCounterReader::here() { return over(openNetlinkSocketHere(NETLINK_RDMA, "RDMA netlink")); }

ReadResult<RdmaCounterReader> RdmaCounterReader::over(ReadResult<NamespacedSocket> opened) {
    if (!opened) return explainMissingRdma(opened.error());
    return RdmaCounterReader(std::make_unique<Impl>(Impl{std::move(opened).value()}));
}

ReadResult<std::vector<RdmaPortCounters>> RdmaCounterReader::read(std::string_view device) {
    const std::string what = "read counters of RDMA device " + std::string(device) + impl_->where();
    std::optional<rdmastatmsg::DeviceAttrs> dev;
    auto outcome = impl_->socket.request(rdmamsg::deviceDump(), [&](std::span<const std::uint8_t> msg, std::uint16_t) {
        if (dev) return;
        if (auto d = rdmastatmsg::parseDevice(msg); d && d->name == device) dev = std::move(d);
    });
    if (outcome.error) return netlinkReadError(outcome, what + ": list RDMA devices");
    if (!dev) return ReadError{ReadFailure::NotVisible, ENODEV, what + ": no such RDMA device in this namespace"};

    std::vector<rdmastatmsg::PortAttrs> ports;
    outcome = impl_->socket.request(rdmastatmsg::portDump(dev->index), [&](std::span<const std::uint8_t> msg, std::uint16_t) {
        if (auto p = rdmastatmsg::parsePort(msg)) ports.push_back(*p);
    });
    // The kernel answers EINVAL for a device index it no longer knows.
    if (outcome.error == EINVAL || outcome.error == ENODEV)
        return netlinkReadError(outcome, what + ": list ports", ReadFailure::DeviceGone);
    if (outcome.error) return netlinkReadError(outcome, what + ": list ports");

    std::vector<RdmaPortCounters> out;
    out.reserve(ports.size());
    for (const auto& port : ports) {
        RdmaPortCounters p;
        p.device = dev->name;
        p.port = port.port;
        p.source = CounterSource::Netlink;
        p.state = port.state;
        p.physState = port.physState;
        p.linkLayer = linkLayerOf(dev->protocol);
        if (dev->nodeGuid) p.nodeGuid = Guid(*dev->nodeGuid);
        bool replied = false;
        outcome = impl_->socket.request(rdmastatmsg::statGet(dev->index, port.port), [&](std::span<const std::uint8_t> msg, std::uint16_t) {
            p.hwCounters = CounterList();
            for (const auto& [name, value] : rdmastatmsg::parseHwCounters(msg)) p.hwCounters.append(internCounterName(name), value);
            replied = true;
        });
        // A driver without hw counters gets EINVAL (EOPNOTSUPP on some kernels): the port's
        // state is still worth reporting.
        if (outcome.error || !replied) ++p.unreadable;
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace ibvf::linux
