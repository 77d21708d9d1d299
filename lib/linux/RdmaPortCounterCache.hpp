#pragma once
// RDMA port counters read from sysfs for a metrics scrape, with each device's directories (and,
// when asked, its files) kept open between scrapes. Reading a counter by its full path costs a
// walk from the sysfs root through the class/infiniband/<dev> symlink for every file (about 30
// files per VF); here each device's directories are resolved once (the port's, its counters/ and
// hw_counters/: three descriptors per port) and every file is opened by its own name relative to
// the directory that holds it (openat). An open and a close cost more than the read itself: with
// KeepFiles::Yes a file's descriptor is kept after its first read and read again with pread at
// offset 0, which makes sysfs generate the attribute's text afresh, up to half the soft
// RLIMIT_NOFILE and none once the process ran out of them. Not by default: each kept sysfs
// attribute holds a page-sized buffer in the kernel, charged to the process's memory cgroup
// (docs/performance.md has the figures).
//
// A cached device is checked on every read: the class/infiniband/<dev> link must still exist and
// say what it said when the device was opened (a device renamed, removed or replaced by another
// under the same name fails that), a file that was there at opening must still be there (a
// device removed and created again at the same place fails that), a kept descriptor must not
// report the attribute removed (ENODEV, ENOENT) and a port directory must not have been removed
// (a kept descriptor of a plain file would go on reading the removed file). Any of these drops
// the cached directories and files and the device is opened afresh; a device no longer there is
// NotVisible.
//
// The lists of counter files of a port are taken when its device is opened, and node_guid and
// link_layer are read once then: a driver creates them with the device and changes none of them
// afterwards (a new node GUID takes a new device).
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "linux/Fd.hpp"
#include "linux/RdmaPortCounters.hpp"
#include "linux/ReadResult.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::linux {

class RdmaPortCounterCache {
public:
    // `pmaCounters`: the files of ports/<n>/counters to read (each one a firmware query on mlx5);
    // every file there when empty.
    enum class KeepFiles { No, Yes };
    explicit RdmaPortCounterCache(Sysfs sysfs, std::vector<std::string> pmaCounters = {}, KeepFiles keep = KeepFiles::No);
    ~RdmaPortCounterCache();
    RdmaPortCounterCache(RdmaPortCounterCache&&) noexcept;
    RdmaPortCounterCache& operator=(RdmaPortCounterCache&&) noexcept;
    RdmaPortCounterCache(const RdmaPortCounterCache&) = delete;
    RdmaPortCounterCache& operator=(const RdmaPortCounterCache&) = delete;

    // What readRdmaPortCounters() returns; never throws (beyond std::bad_alloc). DeviceGone when
    // the device went away while it was being read.
    ReadResult<std::vector<RdmaPortCounters>> read(std::string_view rdmaDevice);

    // Opens the devices not open yet, without reading them. Called with every device before a
    // scrape's first reading, so that what is kept between scrapes is allocated together rather
    // than among the scrape's short-lived allocations (whose pages it would keep from being
    // given back to the kernel). Also takes the descriptor limit again (RLIMIT_NOFILE).
    void open(const std::vector<std::string>& rdmaDevices);

    // Closes the directories and files of devices not read since the previous sweep (one call per scrape),
    // so devices that left the inventory hold no descriptors.
    void sweep();
    std::size_t cachedDevices() const { return devices_.size(); }
    bool holds(std::string_view rdmaDevice) const { return devices_.contains(rdmaDevice); }

    struct Device;  // the open directories of one RDMA device (RdmaPortCounterCache.cpp)

private:
    ReadResult<Device*> entry(const std::string& name);
    int fileCeiling() const;  // descriptors numbered from it up are not kept  // open, and still the same device

    Sysfs sysfs_;
    std::vector<std::string> pmaCounters_;
    Fd classDir_;  // <root>/class/infiniband
    std::map<std::string, std::unique_ptr<Device>, std::less<>> devices_;
    KeepFiles keep_ = KeepFiles::No;
    int heldFileCeiling_ = 0;  // files' descriptors from it up are not kept (half RLIMIT_NOFILE; 0 once out of them)
};

}  // namespace ibvf::linux
