#pragma once
// Container Device Interface names and spec text for a resource pool. A runtime that speaks CDI
// (containerd 1.7+ with enable_cdi, CRI-O, podman) resolves "<kind>=<device>" against the spec
// files in /etc/cdi and /var/run/cdi and applies the device's container edits itself.
//
// Names (CDI grammar): vendor [A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9], class [A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9],
// device [A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9] (older parsers reject ':').
//   kind    "<prefix>.ibvf/<name>"   rdma/vhca -> rdma.ibvf/vhca ('.' in the name becomes '_')
//   device  VF PCI address with ':' -> '-' (0000:3b:00.2 -> 0000-3b-00.2); hca pools: "all"
//   file    "<vendor>-<class>.json"  rdma.ibvf-vhca.json (".ibvf-" marks ibvf's own files)
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deviceplugin/Discovery.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::dp::cdi {

// The oldest version with every field used here that podman 4.3 (container-device-interface
// v0.5.x) reads.
inline constexpr const char* kCdiVersion = "0.5.0";
inline constexpr const char* kHcaDeviceName = "all";

struct CharDevice {
    std::string path;  // /dev/infiniband/uverbs3, same on host and in the container
    // From sysfs "<major>:<minor>"; nullopt when sysfs has no `dev` (the runtime then stats the node).
    std::optional<std::pair<unsigned, unsigned>> number;
};

// Throws std::invalid_argument when the resource name cannot be a CDI kind (e.g. a prefix that
// starts with a digit).
std::string kindOf(const ResourceConfig& resource);
std::string deviceNameOf(const ResourceConfig& resource, const DeviceRecord& device);
// The CDI device name kubelet's device ID stands for; nullopt when the ID is not in the pool.
std::optional<std::string> deviceNameForId(const Pool& pool, std::string_view id);
std::string qualifiedName(std::string_view kind, std::string_view device);  // "<kind>=<device>"
// The CDI library's annotation key shape (AnnotationKey): "cdi.k8s.io/" + plugin + "_" + device
// ID, the part after the prefix at most 63 characters of [A-Za-z0-9_.-]. Here
// "cdi.k8s.io/ibvf_<class>_<device>"; nullopt when that is too long.
std::optional<std::string> annotationKey(std::string_view kind, std::string_view device);
std::string specFileName(std::string_view kind);
bool isIbvfSpecFileName(std::string_view filename);
bool validVendor(std::string_view vendor);
bool validClass(std::string_view cls);
bool validDeviceName(std::string_view name);

// uverbsN, umadN, issmN of the RDMA device, and rdma_cm, with numbers from sysfs.
std::vector<CharDevice> charDevicesOf(const linux::Sysfs& sysfs, std::string_view rdmaDevice);
// Every RDMA char device of the node and rdma_cm (the hca pool's one device).
std::vector<CharDevice> allCharDevices(const linux::Sysfs& sysfs);

// The device names a spec file's text declares; nullopt when it is not a CDI spec.
std::optional<std::vector<std::string>> deviceNamesInSpec(std::string_view json);

// The spec JSON: one device per VF of the pool (a VF without an RDMA device gets rdma_cm only,
// as in Allocate's classic answer) or the one "all" (hca).
std::string renderSpec(const Pool& pool, const linux::Sysfs& sysfs);

}  // namespace ibvf::dp::cdi
