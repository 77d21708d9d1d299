#pragma once
#include <string>

#include "plugin/AttachmentState.hpp"

namespace ibvf::plugin {

// Returns the VF netdev of `state` to the host namespace with its original name, MTU and admin
// state. Looks in the pod namespace (`netnsPath`, or the one recorded at ADD when empty and it is
// still the same namespace), then on the host, where a physical netdev lands when its namespace
// dies. Every step tolerates "already done"; a netdev found nowhere (a veth stand-in dies with
// its namespace) is logged, not an error.
void restoreVfNetdev(const AttachmentState& state, const std::string& netnsPath);

}  // namespace ibvf::plugin
