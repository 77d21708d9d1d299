#pragma once
// The plugin's ADD/DEL flows called in-process on a PluginLab, with the hardware-only calls (VF
// settings through the PF) going to a recording fake instead of the PF's driver.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "PluginLab.hpp"
#include "cni/Dispatch.hpp"
#include "cni/NetConf.hpp"
#include "cni/Error.hpp"
#include "plugin/Attach.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"
#include "support/RecordingVfControl.hpp"

namespace ibvf::test {

// Forwards to one recorder shared by every VfControl the plugin makes.
class SharedRecorder final : public kernel::VfControl {
public:
    explicit SharedRecorder(RecordingVfControl& r) : r_(r) {}
    void setGuids(int pf, int vf, std::uint64_t node, std::uint64_t port) override { r_.setGuids(pf, vf, node, port); }
    void setLinkState(int pf, int vf, kernel::VfLinkState s) override { r_.setLinkState(pf, vf, s); }
    kernel::VfSettings get(int pf, int vf) override { return r_.get(pf, vf); }

private:
    RecordingVfControl& r_;
};

struct InProcessNode {
    PluginLab& lab;
    RecordingVfControl recorder;
    plugin::PluginContext ctx;

    explicit InProcessNode(PluginLab& l)
        : lab(l), ctx{kernel::Sysfs(l.sysfs().root()),
                      plugin::StatePaths{l.stateDir() / "state" / "ibvf", l.stateDir() / "run" / "locks",
                                         l.stateDir() / "run" / "allocations"},
                      plugin::AttachmentStore(l.stateDir() / "state" / "ibvf")} {
        ctx.makeVfControl = [this] { return std::make_unique<SharedRecorder>(recorder); };
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
