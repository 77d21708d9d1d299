#pragma once
// The plugin's ADD/DEL flows called in-process on a PluginLab, with the hardware-only calls (VF
// settings through the PF) going to a recording fake instead of the PF's driver.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "PluginLab.hpp"
#include "cni/Dispatch.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "plugin/Attach.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"
#include "support/RecordingIpoibLinks.hpp"
#include "support/RecordingRdmaNetns.hpp"
#include "support/RecordingVfControl.hpp"

namespace ibvf::test {

// Forwards to one recorder shared by every VfControl the plugin makes.
class SharedRecorder final : public linux::VfControl {
public:
    explicit SharedRecorder(RecordingVfControl& r) : r_(r) {}
    void setGuids(int pf, int vf, std::uint64_t node, std::uint64_t port) override { r_.setGuids(pf, vf, node, port); }
    void setLinkState(int pf, int vf, linux::VfLinkState s) override { r_.setLinkState(pf, vf, s); }
    linux::VfSettings get(int pf, int vf) override { return r_.get(pf, vf); }

private:
    RecordingVfControl& r_;
};

// The same for RDMA netlink and IPoIB links: the recorders judge each call by the calling
// thread's namespace, so forwarding keeps the plugin's namespace switching under test.
class SharedRdma final : public linux::RdmaNetns {
public:
    explicit SharedRdma(RecordingRdmaNetns& r) : r_(r) {}
    linux::RdmaNetnsMode netnsMode() override { return r_.netnsMode(); }
    std::optional<std::uint32_t> deviceIndex(std::string_view d) override { return r_.deviceIndex(d); }
    void moveToNetns(std::string_view d, int fd) override { r_.moveToNetns(d, fd); }

private:
    RecordingRdmaNetns& r_;
};

class SharedIpoib final : public linux::IpoibLinks {
public:
    explicit SharedIpoib(RecordingIpoibLinks& r) : r_(r) {}
    int createChild(const linux::IpoibChildSpec& spec) override { return r_.createChild(spec); }
    bool deleteChild(int ifindex) override { return r_.deleteChild(ifindex); }

private:
    RecordingIpoibLinks& r_;
};

struct InProcessNode {
    PluginLab& lab;
    RecordingVfControl recorder;
    RecordingRdmaNetns rdma;    // devices start in the host namespace
    RecordingIpoibLinks ipoib;  // children are real veth stand-ins
    plugin::PluginContext ctx;

    explicit InProcessNode(PluginLab& l)
        : lab(l),
          ctx{linux::Sysfs(l.sysfs().root()),
              plugin::StatePaths{l.stateDir() / "state" / "ibvf", l.stateDir() / "run" / "locks", l.stateDir() / "run" / "allocations"},
              plugin::AttachmentStore(l.stateDir() / "state" / "ibvf")} {
        ctx.makeVfControl = [this] { return std::make_unique<SharedRecorder>(recorder); };
        ctx.makeRdmaNetns = [this] { return std::make_unique<SharedRdma>(rdma); };
        ctx.makeIpoibLinks = [this] { return std::make_unique<SharedIpoib>(ipoib); };
        ctx.paths.deviceInfo = l.stateDir() / "devinfo" / "cni";
        // The in-process IPAM takes its allowed root from the environment, like the binary.
        ::setenv("IBVF_STATE_DIR", (l.stateDir() / "state").c_str(), 1);
    }

    cni::Request request(cni::Command command, const std::string& netns, const std::string& conf,
                         const std::string& containerId = "cid-inproc") const {
        cni::Request req;
        req.env.command = command;
        req.env.containerId = containerId;
        req.env.netns = netns;
        req.env.ifname = "net1";
        req.conf = cni::parseNetConf(conf);
        return req;
    }

    // The CNI error an ADD fails with; nullopt when it succeeded.
    std::optional<cni::Error> attachError(const cni::Request& add) const {
        try {
            plugin::attach(add, plugin::PluginConfig::parse(add.conf), ctx);
        } catch (const cni::Error& e) {
            return e;
        }
        return std::nullopt;
    }
};

inline int ifindexOf(const std::string& name) {
    auto link = linkIn("", name);
    if (!link) throw std::runtime_error("no link " + name);
    return link->ifindex;
}

}  // namespace ibvf::test
