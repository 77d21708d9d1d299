#include "deviceplugin/VfFamilies.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "metrics/TextFormat.hpp"

namespace ibvf::dp {
namespace {

using metrics::Family;
using metrics::MetricType;

struct NetdevCounter {
    const char* name;
    const char* help;
    std::uint64_t linux::LinkStats::*field;
};

constexpr NetdevCounter kNetdevCounters[] = {
    {"ibvf_vf_netdev_receive_bytes_total", "Bytes the VF's IPoIB netdev received.", &linux::LinkStats::rxBytes},
    {"ibvf_vf_netdev_transmit_bytes_total", "Bytes the VF's IPoIB netdev sent.", &linux::LinkStats::txBytes},
    {"ibvf_vf_netdev_receive_packets_total", "Packets the VF's IPoIB netdev received.", &linux::LinkStats::rxPackets},
    {"ibvf_vf_netdev_transmit_packets_total", "Packets the VF's IPoIB netdev sent.", &linux::LinkStats::txPackets},
    {"ibvf_vf_netdev_receive_errors_total", "Receive errors of the VF's IPoIB netdev.", &linux::LinkStats::rxErrors},
    {"ibvf_vf_netdev_transmit_errors_total", "Transmit errors of the VF's IPoIB netdev.", &linux::LinkStats::txErrors},
    {"ibvf_vf_netdev_receive_drops_total", "Received packets the VF's IPoIB netdev dropped.", &linux::LinkStats::rxDropped},
    {"ibvf_vf_netdev_transmit_drops_total", "Packets to send the VF's IPoIB netdev dropped.", &linux::LinkStats::txDropped},
};

// The port's PMA counters (ports/<n>/counters/<file>); data counters count 4-octet units.
struct PortCounter {
    const char* file;
    const char* name;
    const char* help;
    double scale;
};

constexpr PortCounter kPortCounters[] = {
    {"port_xmit_data", "ibvf_vf_port_transmit_data_bytes_total", "Data bytes the VF's RDMA port sent (port_xmit_data x 4).", 4},
    {"port_rcv_data", "ibvf_vf_port_receive_data_bytes_total", "Data bytes the VF's RDMA port received (port_rcv_data x 4).", 4},
    {"port_xmit_packets", "ibvf_vf_port_transmit_packets_total", "Packets the VF's RDMA port sent.", 1},
    {"port_rcv_packets", "ibvf_vf_port_receive_packets_total", "Packets the VF's RDMA port received.", 1},
    {"port_rcv_errors", "ibvf_vf_port_receive_errors_total", "Packets with errors the VF's RDMA port received.", 1},
    {"port_xmit_discards", "ibvf_vf_port_transmit_discards_total", "Packets the VF's RDMA port discarded instead of sending.", 1},
    {"link_downed", "ibvf_vf_port_link_downed_total", "Times the VF's RDMA port link went down.", 1},
    {"symbol_error", "ibvf_vf_port_symbol_errors_total", "Symbol errors on the VF's RDMA port link.", 1},
};

}  // namespace

std::vector<std::string> exportedPortCounterFiles() {
    std::vector<std::string> files;
    for (const auto& c : kPortCounters) files.emplace_back(c.file);
    return files;
}

namespace {

// hw_counters that are settings, not counts.
bool isHwSetting(std::string_view name) { return name == "lifespan"; }

}  // namespace

void appendVfLabels(std::string& text, const VfReading& vf) {
    std::array<char, 16> num{};
    const auto number = [&](int v) { return std::string_view(num.data(), std::to_chars(num.data(), num.data() + num.size(), v).ptr); };
    metrics::appendLabel(text, "resource", vf.resource);
    metrics::appendLabel(text, "vf", vf.pciAddress);
    metrics::appendLabel(text, "pf", vf.pf);
    metrics::appendLabel(text, "vf_index", number(vf.vfIndex));
    metrics::appendLabel(text, "numa_node", number(vf.numaNode));
    metrics::appendLabel(text, "rdma_device", vf.rdmaDevice);
    if (vf.pod) {
        metrics::appendLabel(text, "pod_namespace", vf.pod->namespace_);
        metrics::appendLabel(text, "pod", vf.pod->pod);
        metrics::appendLabel(text, "container", vf.pod->container);
    }
}

void appendVfFamilies(std::vector<Family>& out, const std::vector<VfReading>& vfs) {
    Family info("ibvf_vf_info", "A VF the device plugin offers; 1 for each, with its identity and holder in the labels.",
                MetricType::Gauge);
    Family healthy("ibvf_vf_healthy", "1 when the VF is reported Healthy to kubelet, 0 when Unhealthy.", MetricType::Gauge);
    Family allocated("ibvf_vf_allocated", "1 while the VF has an allocation record (kubelet gave it to a container).", MetricType::Gauge);
    Family linkState("ibvf_vf_link_state", "The VF's administrative link state set through the PF (state label); always 1.",
                     MetricType::Gauge);
    Family guid("ibvf_vf_guid_info", "The VF's InfiniBand node and port GUIDs; always 1.", MetricType::Gauge);
    std::vector<Family> netdev;
    for (const auto& c : kNetdevCounters) netdev.emplace_back(c.name, c.help, MetricType::Counter);
    Family portState("ibvf_vf_port_state", "The VF's RDMA port state (1 DOWN, 2 INIT, 3 ARMED, 4 ACTIVE, 5 ACTIVE_DEFER).",
                     MetricType::Gauge);
    Family physState("ibvf_vf_port_physical_state", "The VF's RDMA port physical state (1 Sleep, 2 Polling, 3 Disabled, 5 LinkUp, ...).",
                     MetricType::Gauge);
    Family portInfo("ibvf_vf_port_info", "The VF's RDMA port: link layer and state names; always 1.", MetricType::Gauge);
    std::vector<Family> port;
    for (const auto& c : kPortCounters) port.emplace_back(c.name, c.help, MetricType::Counter);
    Family hw("ibvf_vf_port_hw_counter_total", "The driver's hw_counters of the VF's RDMA port, by counter name.", MetricType::Counter);

    // Every sample is a line written straight into its family's text, with the VF's labels
    // rendered once per VF (and once more with the port for the port's series).
    std::string l;     // the VF's labels
    std::string pl;    // the port's: the VF's and port="<n>"
    std::string more;  // a sample's own labels
    std::array<char, 16> num{};
    for (const auto& vf : vfs) {
        l.clear();
        appendVfLabels(l, vf);
        appendSample(info, l, {}, 1);
        appendSample(healthy, l, {}, vf.healthy ? 1 : 0);
        appendSample(allocated, l, {}, vf.allocated ? 1 : 0);
        std::optional<linux::Guid> nodeGuid;
        std::optional<linux::Guid> portGuid;
        if (vf.settings) {
            if (vf.settings->linkState) {
                more.clear();
                metrics::appendLabel(more, "state", linux::vfLinkStateName(*vf.settings->linkState));
                appendSample(linkState, l, more, 1);
            }
            if (vf.settings->nodeGuid) nodeGuid = linux::Guid(*vf.settings->nodeGuid);
            if (vf.settings->portGuid) portGuid = linux::Guid(*vf.settings->portGuid);
        }
        if (vf.netdev)
            for (std::size_t i = 0; i < netdev.size(); ++i)
                appendSample(netdev[i], l, {}, static_cast<double>((*vf.netdev).*kNetdevCounters[i].field));
        for (const auto& p : vf.ports) {
            if (!nodeGuid && p.nodeGuid) nodeGuid = p.nodeGuid;
            if (!portGuid && p.portGuid) portGuid = p.portGuid;
            pl = l;
            metrics::appendLabel(pl, "port", std::string_view(num.data(), std::to_chars(num.data(), num.data() + num.size(), p.port).ptr));
            if (p.state) appendSample(portState, pl, {}, *p.state);
            if (p.physState) appendSample(physState, pl, {}, *p.physState);
            more.clear();
            metrics::appendLabel(more, "link_layer", p.linkLayer);
            metrics::appendLabel(more, "state", p.stateName);
            metrics::appendLabel(more, "physical_state", p.physStateName);
            appendSample(portInfo, pl, more, 1);
            for (std::size_t i = 0; i < port.size(); ++i)
                if (const auto v = p.counters.find(kPortCounters[i].file))
                    appendSample(port[i], pl, {}, static_cast<double>(*v) * kPortCounters[i].scale);
            for (const auto& [name, value] : p.hwCounters) {
                if (isHwSetting(name)) continue;
                more.clear();
                metrics::appendLabel(more, "counter", name);
                appendSample(hw, pl, more, static_cast<double>(value));
            }
        }
        if (nodeGuid || portGuid) {
            more.clear();
            metrics::appendLabel(more, "node_guid", nodeGuid ? nodeGuid->str() : "");
            metrics::appendLabel(more, "port_guid", portGuid ? portGuid->str() : "");
            appendSample(guid, l, more, 1);
        }
        // The first VF's lines tell about how long every VF's are: room for all of them at once
        // (a little more: pod labels differ), rather than copying megabytes as the text doubles.
        if (&vf == vfs.data()) {
            const auto room = [&](Family& f) { f.lines.reserve(f.lines.size() * vfs.size() * 5 / 4); };
            for (Family* f : {&info, &healthy, &allocated, &linkState, &guid, &portState, &physState, &portInfo, &hw}) room(*f);
            for (auto& f : netdev) room(f);
            for (auto& f : port) room(f);
        }
    }
    out.push_back(std::move(info));
    out.push_back(std::move(healthy));
    out.push_back(std::move(allocated));
    out.push_back(std::move(linkState));
    out.push_back(std::move(guid));
    for (auto& f : netdev) out.push_back(std::move(f));
    out.push_back(std::move(portState));
    out.push_back(std::move(physState));
    out.push_back(std::move(portInfo));
    for (auto& f : port) out.push_back(std::move(f));
    out.push_back(std::move(hw));
}

}  // namespace ibvf::dp
