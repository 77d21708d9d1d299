#pragma once
// The netdev of each of many PCI devices, as <root>/bus/pci/devices/<bdf>/net/ lists it, for a
// reader that asks for hundreds in a row (a metrics scrape): relative to one descriptor of
// bus/pci/devices, each costs an open, the listing and a close, where a listing by full path
// walks from the sysfs root and through fstat and fcntl calls for every device.
#include <string>
#include <string_view>

#include "linux/Fd.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::linux {

class PciNetdevNames {
public:
    explicit PciNetdevNames(const Sysfs& sysfs);

    // The first name under <bdf>/net/ in natural order (Sysfs::vf lists them so); "" when the
    // device has no netdev in this network namespace (bound to vfio-pci, or moved away), when
    // there is no such device, or when `bdf` is not a PCI address.
    std::string first(std::string_view bdf) const;

private:
    Fd devices_;  // <root>/bus/pci/devices (O_PATH); none when it cannot be opened
};

}  // namespace ibvf::linux
