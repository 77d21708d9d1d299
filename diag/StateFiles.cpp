#include "diag/StateFiles.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>

#include "cni/Error.hpp"
#include "ipam/LeaseStore.hpp"
#include "ipam/StoreLocation.hpp"
#include "linux/AtomicFile.hpp"
#include "node/AllocationRecord.hpp"
#include "node/AttachmentState.hpp"
#include "plugin/AttachmentStore.hpp"

namespace ibvf::diag {
namespace {

namespace fs = std::filesystem;

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Regular files named *.json in `dir`, sorted, skipping writeFileAtomic's temp files.
std::vector<fs::path> jsonFilesIn(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!endsWith(name, ".json") || linux::isAtomicTempFileName(name)) continue;
        if (!it->is_regular_file(ec)) continue;
        out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool pathExists(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

PodFacts podFactsOf(const node::AttachmentState& s, const fs::path& statePath) {
    PodFacts p;
    p.containerId = s.containerId;
    p.ifname = s.ifname;
    p.network = s.network;
    p.netns = s.netns;
    p.phase = s.phase == node::AttachPhase::Attached ? "attached" : "attaching";
    p.pciAddress = s.pciAddress;
    p.ipamType = s.ipamType;
    p.netnsExists = pathExists(s.netns);
    if (s.result)
        for (const auto& ip : s.result->ips) p.addresses.push_back(ip.address.toString());
    p.statePath = statePath.string();
    p.guid = s.guid;
    p.partition = s.partition;
    return p;
}

}  // namespace

AttachmentScan readAttachments(const fs::path& dir) {
    AttachmentScan scan;
    const plugin::AttachmentStore store(dir);
    for (const auto& path : jsonFilesIn(dir)) {
        const auto key = node::parseAttachmentKey(path.stem().string());
        if (!key) {
            scan.corrupt.push_back(path.string() + ": the name is not <container id>:<ifname>.json");
            continue;
        }
        try {
            // Loaded by its key, as DEL loads it, so what reads as corrupt here fails DEL too.
            if (auto state = store.load(key->containerId, key->ifname)) scan.attachments.push_back(podFactsOf(*state, path));
        } catch (const cni::Error& e) {
            scan.corrupt.push_back(e.details().empty() ? path.string() + ": " + e.msg() : e.details());
        } catch (const std::exception& e) {
            scan.corrupt.push_back(path.string() + ": " + e.what());
        }
    }
    return scan;
}

std::vector<AllocationFacts> readAllocationRecords(const fs::path& dir) {
    std::vector<AllocationFacts> out;
    for (const auto& file : node::allocationRecordFiles(dir)) {
        AllocationFacts a;
        a.pciAddress = file.pciAddress;
        a.path = file.path.string();
        try {
            const auto text = linux::readFile(file.path);
            if (!text) continue;  // removed since it was listed
            auto record = node::parseAllocationRecord(*text);
            a.pciAddress = std::move(record.pciAddress);
            a.resource = std::move(record.resource);
            a.time = std::move(record.time);
        } catch (const std::exception& e) {
            a.error = "allocation record " + a.path + ": " + e.what();
        }
        out.push_back(std::move(a));
    }
    return out;
}

LeaseFacts leasesOf(const PodFacts& pod, const fs::path& ipamDataDir, std::chrono::milliseconds lockTimeout) {
    LeaseFacts lease;
    lease.network = pod.network;
    if (!ipam::isSafePathComponent(pod.network)) {
        lease.error = "network name \"" + pod.network + "\" cannot name a lease directory";
        return lease;
    }
    const fs::path dir = ipamDataDir / pod.network;
    lease.dir = dir.string();
    try {
        ipam::LeaseStore store(ipam::StoreLocation{dir, pod.network, lockTimeout});
        for (const auto& a : store.leasesOf(ipam::AttachmentKey{pod.containerId, pod.ifname})) lease.addresses.push_back(a.toString());
    } catch (const cni::Error& e) {
        lease.error = e.details().empty() ? e.msg() : e.msg() + ": " + e.details();
    } catch (const std::exception& e) {
        lease.error = e.what();
    }
    return lease;
}

}  // namespace ibvf::diag
