#pragma once
// The plugin's view of an IPAM: the bundled ibvf-ipam in-process, or any other CNI IPAM plugin
// exec'd from CNI_PATH. ADD is started early and collected later so that the allocation overlaps
// the netns move, which is the kernel's slowest step and dominates an ADD.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cni/Dispatch.hpp"

namespace ibvf::plugin {

class PendingAllocation {
public:
    virtual ~PendingAllocation() = default;
    // Blocks until the allocation is done; throws the IPAM's error as a cni::Error.
    virtual cni::Result wait() = 0;
};

// Runs `allocate` on its own thread: for an exec'd IPAM even posix_spawn takes 1-5 ms, time the
// netns move should not wait for.
std::unique_ptr<PendingAllocation> allocateInBackground(std::function<cni::Result()> allocate);

class IpamClient {
public:
    virtual ~IpamClient() = default;
    virtual std::unique_ptr<PendingAllocation> startAdd(const cni::Request& req) = 0;
    virtual void del(const cni::Request& req) = 0;
    virtual void check(const cni::Request& req) = 0;
    virtual void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) = 0;
    virtual void status(const cni::Request& req) = 0;
};

inline constexpr const char* kBundledIpamType = "ibvf-ipam";

// nullptr when the network has no IPAM section.
std::unique_ptr<IpamClient> makeIpamClient(const std::string& type);

}  // namespace ibvf::plugin
