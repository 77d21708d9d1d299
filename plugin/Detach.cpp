#include "plugin/Detach.hpp"

#include <algorithm>
#include <functional>
#include <future>

#include <spdlog/spdlog.h>

#include "log/Logging.hpp"
#include "plugin/IpamClient.hpp"
#include "plugin/PartitionChild.hpp"
#include "plugin/RdmaIsolation.hpp"
#include "plugin/VfResolver.hpp"
#include "plugin/VfRestore.hpp"
#include "plugin/VfSettings.hpp"

namespace ibvf::plugin {
namespace {

// Undoes one attachment's footprint on the node, under its VF's lock. The state goes last, after
// `releaseAddresses`: a DEL that fails halfway is retried with everything it needs.
void release(const AttachmentState& found, const std::string& netnsPath, const PluginConfig& cfg,
             const PluginContext& ctx, const std::function<void()>& releaseAddresses) {
    VfResolver resolver(ctx.sysfs, ctx.paths, ctx.store);
    auto lock = resolver.lockVf(found.pciAddress, cfg.lockTimeout);
    // Another DEL may have finished while we waited for the lock.
    auto state = ctx.store.load(found.containerId, found.ifname);
    // The addresses are released while the kernel moves the netdev back (the move dominates).
    auto released = std::async(std::launch::async, releaseAddresses);
    if (state) {
        // The reverse of ADD: the child before its parent leaves, the netdev before the RDMA
        // device (whose move re-creates the netdev on the host), the PF settings last.
        auto podNs = openAttachmentNetNs(*state, netnsPath);
        if (!state->vfioPciMode) {
            removePartitionChild(*state, podNs, ctx);
            restoreVfNetdev(*state, podNs);
        }
        returnRdmaDevice(*state, podNs, ctx);
        restoreVfLinkState(*state, ctx);
        restoreVfGuids(*state, ctx);
    }
    released.get();
    if (!state) return;
    if (auto holder = ctx.store.holderOf(state->pciAddress);
        !holder || (holder->containerId == state->containerId && holder->ifname == state->ifname)) {
        ctx.store.releaseClaim(state->pciAddress);
    }
    ctx.store.remove(state->containerId, state->ifname);
    spdlog::info("released VF {} of container {} ({})", state->pciAddress, state->containerId, state->ifname);
}

}  // namespace

void detach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx) {
    const auto& env = req.env;
    auto ipam = makeIpamClient(cfg.ipamType);
    auto releaseAddresses = [&] {
        if (ipam) ipam->del(req);
    };
    if (auto state = ctx.store.load(env.containerId, env.ifname)) {
        log::appendContext("vf=" + state->pciAddress);
        release(*state, env.netns, cfg, ctx, releaseAddresses);
        return;
    }
    // Never attached, or already detached: the IPAM may still hold something (a crash between
    // its ADD and ours, or a runtime retry).
    releaseAddresses();
}

void collectGarbage(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx,
                    const std::vector<cni::Attachment>& valid) {
    for (const auto& state : ctx.store.all()) {
        if (state.network != req.conf.name) continue;
        const bool keep = std::any_of(valid.begin(), valid.end(), [&](const cni::Attachment& a) {
            return a.containerId == state.containerId && a.ifname == state.ifname;
        });
        if (keep) continue;
        spdlog::info("GC: releasing {} of container {} ({})", state.pciAddress, state.containerId, state.ifname);
        release(state, {}, cfg, ctx, [] {});
    }
    if (auto ipam = makeIpamClient(cfg.ipamType)) ipam->gc(req, valid);
}

}  // namespace ibvf::plugin
