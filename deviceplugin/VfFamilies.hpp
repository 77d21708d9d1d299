#pragma once
// The per-VF families (docs/metrics.md lists them) from a scrape's readings. Every VF series
// carries resource, vf (PCI address), pf, vf_index, numa_node, rdma_device and, while a container
// holds the VF, pod_namespace, pod and container: a bounded set (never container IDs).
#include <string>
#include <vector>

#include "deviceplugin/VfReading.hpp"
#include "metrics/Family.hpp"

namespace ibvf::dp {

// The labels every series of `vf` starts with, rendered (`resource="...",vf="...",...`), onto `text`.
void appendVfLabels(std::string& text, const VfReading& vf);

// The files of ports/<n>/counters the families export (what a scrape needs to read).
std::vector<std::string> exportedPortCounterFiles();

// Appends every per-VF family, each with its HELP, even when no VF has a sample for it.
void appendVfFamilies(std::vector<metrics::Family>& out, const std::vector<VfReading>& vfs);

}  // namespace ibvf::dp
