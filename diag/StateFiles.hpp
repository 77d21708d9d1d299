#pragma once
// Reading what the other ibvf programs leave on the node, through the readers their writers
// share: attachment states (plugin/AttachmentStore), IP leases (ipam/LeaseStore) and the device
// plugin's allocation records (node/AllocationRecord.hpp).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "diag/NodeReport.hpp"

namespace ibvf::diag {

struct AttachmentScan {
    std::vector<PodFacts> attachments;
    std::vector<std::string> corrupt;  // "<path>: <why>"
};

// Every <cid>:<ifname>.json in `dir` (absent dir: none); netnsExists is checked here.
AttachmentScan readAttachments(const std::filesystem::path& dir);

// Every <pci>.json in `dir` (absent dir: none). A record that cannot be read or parsed is
// returned with `error` set and pciAddress taken from its file name.
std::vector<AllocationFacts> readAllocationRecords(const std::filesystem::path& dir);

// The leases the attachment holds in <ipamDataDir>/<network>, as ibvf-ipam keeps them. The store
// is locked while it is read, as every reader does; a busy or unreadable store sets `error`.
LeaseFacts leasesOf(const PodFacts& pod, const std::filesystem::path& ipamDataDir, std::chrono::milliseconds lockTimeout);

}  // namespace ibvf::diag
