#pragma once
#include <optional>
#include <string>

#include "linux/NetNs.hpp"
#include "node/AttachmentState.hpp"

namespace ibvf::plugin {

// Returns the VF netdev of `state` to the host namespace with its original name, MTU and admin
// state. Looks in the pod namespace (`netnsPath`, or the one recorded at ADD when empty and it is
// still the same namespace), then on the host, where a physical netdev lands when its namespace
// dies. Every step tolerates "already done"; a netdev found nowhere (a veth stand-in dies with
// its namespace) is logged, not an error.
void restoreVfNetdev(const node::AttachmentState& state, const std::string& netnsPath);
// The same with the pod namespace already opened by openAttachmentNetNs.
void restoreVfNetdev(const node::AttachmentState& state, const std::optional<linux::NetNs>& podNs);

// The attachment's pod namespace: `netnsPath` (the runtime's, trusted), or the path recorded at
// ADD when it still names the same namespace; nullopt when it is gone.
std::optional<linux::NetNs> openAttachmentNetNs(const node::AttachmentState& state, const std::string& netnsPath);

}  // namespace ibvf::plugin
