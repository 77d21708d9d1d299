#pragma once
// The plugin's view of an IPAM: the bundled ibvf-ipam in-process, or any other CNI IPAM plugin
// exec'd from CNI_PATH. ADD is started early and collected later: an IPAM that is a process to
// start runs on its own thread while the kernel moves the netdev (its slowest step); the
// in-process store's few file operations cost less than a thread, and run when collected.
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
// Runs `allocate` in wait(), on the caller's thread; never, when nobody waits.
std::unique_ptr<PendingAllocation> allocateWhenCollected(std::function<cni::Result()> allocate);

class IpamClient {
public:
    virtual ~IpamClient() = default;
    virtual std::unique_ptr<PendingAllocation> startAdd(const cni::Request& req) = 0;
    virtual void del(const cni::Request& req) = 0;
    virtual void check(const cni::Request& req) = 0;
    virtual void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) = 0;
    virtual void status(const cni::Request& req) = 0;
    // Whether the IPAM's DEL starts a process, and is then worth overlapping with the move.
    virtual bool startsProcess(const cni::Request& req) const = 0;
};

inline constexpr const char* kBundledIpamType = "ibvf-ipam";

// nullptr when the network has no IPAM section.
std::unique_ptr<IpamClient> makeIpamClient(const std::string& type);

}  // namespace ibvf::plugin
