#pragma once
// ibvf-device-plugin configuration. Two seed shapes are accepted as they are deployed today
// ({"mode":"sriov","pfNetdevices":["ib0"]} -> rdma/vhca, {"mode":"hca"} -> rdma/hca) and the
// general shape {"enableVfs":bool, "resources":[{name, prefix, mode, selectors}]}.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::dp {

// A config the plugin refuses; what() names the field, e.g. "resources[1].selectors.pfNames[0]: ...".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class PoolMode { Sriov, Hca };

// "ib0" (every VF of ib0) or "ib0#0-7" / "ib0#3" (VF indexes, inclusive).
struct PfSelector {
    std::string netdev;
    std::optional<unsigned> firstVf;
    std::optional<unsigned> lastVf;
    bool takesVf(unsigned index) const { return !firstVf || (index >= *firstVf && index <= *lastVf); }
};

struct Selectors {
    std::vector<PfSelector> pfNames;   // empty: every SR-IOV PF on the node
    std::vector<int> linkTypes;        // ARPHRD_* of the PF netdev: "infiniband" 32, "ether" 1
    std::vector<std::string> vendors;  // PCI vendor id, lower-case hex without 0x ("15b3")
    std::vector<std::string> devices;  // PCI device id of the VF ("101e")
    std::vector<std::string> drivers;  // driver bound to the VF ("mlx5_core")
    // InfiniBand partitions: a VF whose pkey table holds one of them. Kept as the 15-bit
    // partition, since the table shows a key with its membership bit ("0x8001" full, "0x0001"
    // limited) and either means the VF is in the partition.
    std::vector<std::uint16_t> pKeys;
};

struct ResourceConfig {
    std::string name;  // "vhca"
    std::string prefix = "rdma";
    PoolMode mode = PoolMode::Sriov;
    Selectors selectors;

    std::string resourceName() const { return prefix + "/" + name; }  // "rdma/vhca"
};

// How Allocate hands devices to the runtime: classic DeviceSpecs, CDI names in the response's
// cdi_devices field, or CDI names in a "cdi.k8s.io/..." annotation (docs/device-plugin.md, CDI).
enum class CdiMode { Off, Devices, Annotations };

struct Config {
    std::vector<ResourceConfig> resources;
    bool enableVfs = false;  // set sriov_numvfs = sriov_totalvfs on selected PFs that have 0
    CdiMode cdi = CdiMode::Off;
    // Where Prometheus metrics and the health probes are served ("0.0.0.0:9101"); empty: nowhere.
    // Read at start (--metrics-address overrides it); a change takes a restart.
    std::string metricsAddress;
    // Keep the RDMA counter files open between scrapes (read again with pread): a scrape costs
    // less CPU, but each kept file holds a page of kernel memory charged to the daemon's cgroup,
    // about 100 kB per VF (docs/metrics.md). Off by default; read at start, like metricsAddress.
    bool metricsKeepFilesOpen = false;
    // Threads reading a scrape's RDMA counter files, 1 to 8; 0: min(4, CPUs). Read at start.
    unsigned metricsReadThreads = 0;
};

Config parseConfig(std::string_view json);
// Reads and parses; a missing or unreadable file is a ConfigError naming the path.
Config loadConfig(const std::filesystem::path& path);

// "PCIDEVICE_RDMA_VHCA": the variable sriov-network-device-plugin sets for a resource.
std::string pciDeviceEnvName(const ResourceConfig& resource);

// "ibvf-rdma-vhca.sock": the socket the plugin serves a resource on, in the device-plugin dir
// (ibvf-diag looks for it there).
std::string socketNameFor(const ResourceConfig& resource);

}  // namespace ibvf::dp
