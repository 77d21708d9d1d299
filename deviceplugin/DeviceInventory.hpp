#pragma once
// The devices each pool offers, as last reported to kubelet, for readers on other threads (the
// metrics endpoint). The daemon publishes a new list after each refresh; a reader takes the
// current one with a pointer copy under a short lock, and never holds a ResourceServer's lock.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "deviceplugin/Config.hpp"
#include "deviceplugin/Discovery.hpp"

namespace ibvf::dp {

struct InventoryDevice {
    DeviceRecord device;
    bool healthy = false;  // as reported to kubelet
};

struct InventoryPool {
    std::string resource;  // "rdma/vhca"
    PoolMode mode = PoolMode::Sriov;
    std::vector<InventoryDevice> devices;
};

using InventorySnapshot = std::shared_ptr<const std::vector<InventoryPool>>;

class DeviceInventory {
public:
    void publish(std::vector<InventoryPool> pools) {
        auto fresh = std::make_shared<const std::vector<InventoryPool>>(std::move(pools));
        std::lock_guard lock(mutex_);
        pools_ = std::move(fresh);
    }
    InventorySnapshot snapshot() const {
        std::lock_guard lock(mutex_);
        return pools_;
    }

private:
    mutable std::mutex mutex_;
    InventorySnapshot pools_ = std::make_shared<const std::vector<InventoryPool>>();
};

}  // namespace ibvf::dp
