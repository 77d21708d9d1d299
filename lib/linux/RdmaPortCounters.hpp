#pragma once
// An RDMA device's per-port counters and state, as sysfs shows them under
// class/infiniband/<dev>/ports/<n>/ (rooted at IBVF_SYSFS_ROOT through Sysfs). A device moved
// into a pod's network namespace (exclusive RDMA netns mode) is not in the host's sysfs; those
// are read over RDMA netlink inside the pod's namespace (linux/RdmaCounterReader.hpp), which
// fills the same struct.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "linux/Guid.hpp"
#include "linux/ReadResult.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::linux {

enum class CounterSource { Sysfs, Netlink };

// A counter's name as one process-wide copy (a driver has a few dozen counter names; each is
// kept once, for the process's life): readings of hundreds of ports hold views of these instead
// of a string each. Thread-safe.
std::string_view internCounterName(std::string_view name);

// A port's counters by name, in name order: a flat list, since a scrape makes one per port and
// looks each name up once.
class CounterList {
public:
    using value_type = std::pair<std::string_view, std::uint64_t>;  // the name from internCounterName()

    CounterList() = default;
    CounterList(std::initializer_list<std::pair<std::string_view, std::uint64_t>> counters);  // any order

    // `name` must outlive the list (internCounterName()); names come in ascending order, as a
    // listing sorted by name gives them (else find() misses).
    void append(std::string_view name, std::uint64_t value) { items_.emplace_back(name, value); }
    void reserve(std::size_t n) { items_.reserve(n); }

    std::optional<std::uint64_t> find(std::string_view name) const;
    std::uint64_t at(std::string_view name) const;  // std::out_of_range when absent
    std::size_t count(std::string_view name) const { return find(name) ? 1 : 0; }
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }
    bool operator==(const CounterList& other) const { return items_ == other.items_; }  // names and values

private:
    std::vector<value_type> items_;
};

struct RdmaPortCounters {
    std::string device;  // "mlx5_2"
    unsigned port = 1;
    CounterSource source = CounterSource::Sysfs;

    // counters/<name>: the port's PMA counters (port_xmit_data, port_rcv_data, port_xmit_packets,
    // port_rcv_packets, port_rcv_errors, port_xmit_discards, link_downed, symbol_error, ...),
    // every file present. port_xmit_data and port_rcv_data count units of 4 octets: multiply by 4
    // for bytes. Empty when read over netlink (these have no RDMA netlink attribute).
    CounterList counters;
    // hw_counters/<name> (sysfs) or RDMA_NLDEV_ATTR_STAT_HWCOUNTERS (netlink): driver-defined
    // counters, empty when the driver has none.
    CounterList hwCounters;

    std::optional<unsigned> state;      // "4: ACTIVE" -> 4 (IB_PORT_ACTIVE)
    std::string stateName;              // "ACTIVE"
    std::optional<unsigned> physState;  // "5: LinkUp" -> 5
    std::string physStateName;          // "LinkUp" (empty over netlink: only the number is sent)
    std::string linkLayer;              // "InfiniBand", "Ethernet"
    std::optional<Guid> nodeGuid;       // the device's node_guid
    std::optional<Guid> portGuid;       // lower half of the port's GID 0 (sysfs only)

    unsigned unreadable = 0;  // files present but unreadable or not a number: skipped, counted
};

// "4: ACTIVE" -> {4, "ACTIVE"}; nullopt when the text has another shape.
std::optional<std::pair<unsigned, std::string>> parsePortStateText(std::string_view text);

// Every port of `rdmaDevice`, in port order. NotVisible when class/infiniband/<dev> does not exist
// (removed, or moved into a pod's netns: the caller that knows the pod's namespace then asks
// RdmaCounterReader there); Failed for a name that is not one path component. One reading, nothing
// kept: a scrape of many devices keeps their directories open in a RdmaPortCounterCache.
ReadResult<std::vector<RdmaPortCounters>> readRdmaPortCounters(const Sysfs& sysfs, std::string_view rdmaDevice);

}  // namespace ibvf::linux
