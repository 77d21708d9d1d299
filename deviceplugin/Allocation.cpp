#include "deviceplugin/Allocation.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "linux/AtomicFile.hpp"
#include "node/AllocationRecord.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::dp {
namespace {

// Multus device-info spec 1.1.0, "pci" type.
std::string devinfoJson(const DeviceRecord& d) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("type");
    w.String("pci");
    w.Key("version");
    w.String("1.1.0");
    w.Key("pci");
    w.StartObject();
    w.Key("pci-address");
    w.String(d.pciAddress.c_str());
    if (!d.pfPciAddress.empty()) {
        w.Key("pf-pci-address");
        w.String(d.pfPciAddress.c_str());
    }
    if (!d.rdmaDevice.empty()) {
        w.Key("rdma-device");
        w.String(d.rdmaDevice.c_str());
    }
    w.EndObject();
    w.EndObject();
    return std::string(out.GetString(), out.GetSize()) + "\n";
}

}  // namespace

std::mutex& allocationRecordsMutex() {
    static std::mutex records;
    return records;
}

AllocationPaths AllocationPaths::fromEnvironment() {
    return AllocationPaths{node::devicePluginDevinfoDir(), node::allocationsDirIn(node::runDir())};
}

std::string devinfoFileName(const ResourceConfig& resource, const std::string& bdf) {
    return resource.prefix + "-" + resource.name + "-" + bdf + "-device.json";
}

ContainerAllocation allocateContainer(const Pool& pool, const std::vector<std::string>& ids, const linux::Sysfs& sysfs,
                                      const AllocationPaths& paths) {
    std::map<std::string, const DeviceRecord*> byId;
    for (const auto& d : pool.devices) byId[d.id] = &d;
    std::vector<const DeviceRecord*> chosen;
    for (const auto& id : ids) {
        const auto it = byId.find(id);
        if (it == byId.end()) throw std::invalid_argument("device " + id + " is not a device of " + pool.config.resourceName());
        chosen.push_back(it->second);
    }

    ContainerAllocation out;
    std::set<std::string> charDevices;
    if (pool.config.mode == PoolMode::Hca) {
        for (auto& dev : allRdmaCharDevices(sysfs)) charDevices.insert(dev);
    } else {
        std::string bdfs;
        for (const DeviceRecord* d : chosen) {
            if (!bdfs.empty()) bdfs += ",";
            bdfs += d->pciAddress;
            if (!d->rdmaDevice.empty())
                for (auto& dev : sysfs.rdmaCharDevices(d->rdmaDevice)) charDevices.insert(dev);
        }
        out.envs.emplace_back(pciDeviceEnvName(pool.config), bdfs);
        linux::makeDirectories(paths.devinfoDir, 0755);
        linux::makeDirectories(paths.allocationsDir, 0755);
        std::lock_guard records(allocationRecordsMutex());
        // Both files sit under /run and describe an allocation, which a reboot ends (kubelet
        // allocates again): they must survive a killed daemon, not a power cut. The fsyncs of a
        // Durable write cost an Allocate tens of ms on a busy disk (docs/performance.md).
        for (const DeviceRecord* d : chosen) {
            linux::writeFileAtomic(paths.devinfoDir / devinfoFileName(pool.config, d->pciAddress), devinfoJson(*d), 0644,
                                   linux::Durability::CrashSafe);
            linux::writeFileAtomic(node::allocationRecordIn(paths.allocationsDir, d->pciAddress),
                                   node::allocationRecordJson(
                                       {d->pciAddress, pool.config.resourceName(), node::recordTimeText(std::chrono::system_clock::now())}),
                                   0644, linux::Durability::CrashSafe);
        }
    }
    // rdma_cm is node-wide and needed by every RDMA application that resolves addresses.
    charDevices.insert("/dev/infiniband/rdma_cm");
    for (const auto& dev : charDevices) out.devices.push_back(DeviceSpecEntry{dev, "rwm"});
    return out;
}

}  // namespace ibvf::dp
