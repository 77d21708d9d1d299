#include "plugin/Detach.hpp"

#include <algorithm>
#include <functional>
#include <future>

#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "log/Logging.hpp"
#include "plugin/EtcdGuids.hpp"
#include "plugin/FaultPoints.hpp"
#include "plugin/IpamClient.hpp"
#include "plugin/PartitionChild.hpp"
#include "plugin/RdmaIsolation.hpp"
#include "plugin/VfGuid.hpp"
#include "plugin/VfLinkState.hpp"
#include "plugin/VfResolver.hpp"
#include "plugin/VfRestore.hpp"

namespace ibvf::plugin {
namespace {

using namespace std::chrono_literals;

// Undoes one attachment's footprint on the node; the caller holds its VF's lock and read `state`
// under it (nullopt: another DEL finished first). The state goes last, after `releaseAddresses`:
// a DEL that fails halfway is retried with everything it needs.
// `overlap`: release the addresses on a thread of their own while the kernel moves the netdev
// back, worth it when that starts a process; the in-process store's release costs less than a
// thread, and runs after the move.
void release(const std::optional<node::AttachmentState>& state, const std::string& netnsPath, const PluginContext& ctx,
             const std::function<void()>& releaseAddresses, bool overlap) {
    faults::reach("detach.locked");
    auto released = std::async(overlap ? std::launch::async : std::launch::deferred, releaseAddresses);
    if (state) {
        // The reverse of ADD: the child before its parent leaves, the netdev before the RDMA
        // device (whose move re-creates the netdev on the host), the PF settings last.
        auto podNs = openAttachmentNetNs(*state, netnsPath);
        if (!state->vfioPciMode) {
            removePartitionChild(*state, podNs, ctx);
            if (state->pkey) faults::reach("detach.child-removed");
            restoreVfNetdev(*state, podNs);
            faults::reach("detach.netdev-restored");
        }
        returnRdmaDevice(*state, podNs, ctx);
        if (state->rdmaDevice) faults::reach("detach.rdma-returned");
        restoreVfLinkState(*state, ctx);
        if (state->vfLinkState) faults::reach("detach.link-state-restored");
        restoreVfGuids(*state, ctx);
        if (state->originalNodeGuid) faults::reach("detach.guid-restored");
    }
    released.get();
    faults::reach("detach.addresses-released");
    if (!state) return;
    if (auto holder = ctx.store.holderOf(state->pciAddress);
        !holder || (holder->containerId == state->containerId && holder->ifname == state->ifname)) {
        ctx.store.releaseClaim(state->pciAddress);
        faults::reach("detach.claim-released");
    }
    ctx.store.remove(state->containerId, state->ifname);
    faults::reach("detach.state-removed");
    spdlog::info("released VF {} of container {} ({})", state->pciAddress, state->containerId, state->ifname);
}

// An ADD killed between claiming its VF and writing its state leaves the claim alone; its DEL
// finds it by the attachment's name, since no state says which VF it was.
void releaseClaimsWithoutState(const cni::Env& env, const PluginConfig& cfg, const PluginContext& ctx) {
    VfResolver resolver(ctx.sysfs, ctx.paths, ctx.store);
    for (const auto& pci : ctx.store.claimsOf(env.containerId, env.ifname)) {
        auto lock = resolver.lockVf(pci, cfg.lockTimeout);
        const auto now = ctx.store.claimsOf(env.containerId, env.ifname);
        const bool stillOurs = std::find(now.begin(), now.end(), pci) != now.end();
        if (!stillOurs || ctx.store.load(env.containerId, env.ifname)) continue;
        ctx.store.releaseClaim(pci);
        spdlog::info("released the claim on VF {} left by an interrupted ADD", pci);
    }
}

// The same for every attachment, in GC. An ADD between its claim and its state holds the VF's
// lock, so a claim whose lock is free and that still names no state is a leftover.
void dropClaimsWithoutState(const PluginContext& ctx) {
    for (const auto& pci : ctx.store.claimsWithoutState()) {
        auto lock = linux::FileLock::tryAcquire(ctx.paths.vfLock(pci), 0ms);
        if (!lock || ctx.store.holderOf(pci)) continue;
        ctx.store.releaseClaim(pci);
        spdlog::info("GC: released the claim on VF {} left by an interrupted ADD", pci);
    }
}

bool listed(const std::vector<cni::Attachment>& valid, const node::AttachmentState& state) {
    return std::any_of(valid.begin(), valid.end(),
                       [&](const cni::Attachment& a) { return a.containerId == state.containerId && a.ifname == state.ifname; });
}

}  // namespace

void detach(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx) {
    const auto& env = req.env;
    auto ipam = makeIpamClient(cfg.ipamType);
    auto releaseAddresses = [&] {
        if (ipam) ipam->del(req);
    };
    if (auto found = ctx.store.load(env.containerId, env.ifname)) {
        log::appendContext("vf=" + found->pciAddress);
        VfResolver resolver(ctx.sysfs, ctx.paths, ctx.store);
        auto lock = resolver.lockVf(found->pciAddress, cfg.lockTimeout);
        // Another DEL may have finished while we waited for the lock.
        release(ctx.store.load(env.containerId, env.ifname), env.netns, ctx, releaseAddresses, ipam && ipam->startsProcess(req));
    } else {
        // Never attached, or already detached: the IPAM may still hold something (a crash between
        // its ADD and ours, or a runtime retry), and the VF its claim.
        releaseAddresses();
        releaseClaimsWithoutState(env, cfg, ctx);
    }
    // Last: only once the VF no longer carries it may another VF get the GUID.
    if (cfg.guidSource.source == GuidSource::Etcd) releaseEtcdGuid(req);
}

void collectGarbage(const cni::Request& req, const PluginConfig& cfg, const PluginContext& ctx, const std::vector<cni::Attachment>& valid) {
    for (const auto& seen : ctx.store.all()) {
        if (seen.network != req.conf.name || listed(valid, seen)) continue;
        // The runtime's list cannot name an ADD that has not reported its result yet. Such an
        // ADD holds its VF's lock from before its state is written until its result is written
        // (or it rolled back): a VF whose lock is held is left alone, as is one whose state
        // turned attached meanwhile. A DEL holds the lock too, and finishes the job itself.
        auto lock = linux::FileLock::tryAcquire(ctx.paths.vfLock(seen.pciAddress), 0ms);
        auto state = ctx.store.load(seen.containerId, seen.ifname);
        if (!lock || (state && state->phase != seen.phase)) {
            spdlog::info("GC: {} of container {} ({}) is busy; left alone", seen.pciAddress, seen.containerId, seen.ifname);
            continue;
        }
        spdlog::info("GC: releasing {} of container {} ({})", seen.pciAddress, seen.containerId, seen.ifname);
        // Its addresses are left to the IPAM's own GC below.
        const std::function<void()> keepAddresses = [] {};
        release(state, {}, ctx, keepAddresses, false);
    }
    dropClaimsWithoutState(ctx);
    auto ipam = makeIpamClient(cfg.ipamType);
    if (!ipam) return;
    // With no ADD in flight, every allocation belongs to an attachment whose state can be read
    // now (ADD records its state before it allocates): the IPAM keeps those besides the
    // runtime's list, which cannot name ADDs that finished while this GC ran.
    auto noAddInFlight = linux::FileLock::tryAcquire(ctx.paths.gcLock(), cfg.lockTimeout, linux::FileLock::Mode::Exclusive);
    if (!noAddInFlight) {
        throw cni::Error(cni::ErrorCode::TryAgainLater, "ADDs kept running; the IPAM part of GC did not start",
                         "lock " + ctx.paths.gcLock().string() + " not acquired within " + std::to_string(cfg.lockTimeout.count()) + " ms");
    }
    auto keep = valid;
    for (const auto& state : ctx.store.all()) {
        if (state.network == req.conf.name && !listed(valid, state)) keep.push_back({state.containerId, state.ifname});
    }
    faults::reach("gc.keep-listed");
    if (cfg.guidSource.source == GuidSource::Etcd) collectEtcdGuids(req, keep);
    ipam->gc(req, keep);
}

}  // namespace ibvf::plugin
