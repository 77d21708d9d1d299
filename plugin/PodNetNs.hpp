#pragma once
#include <string>

#include "linux/NetNs.hpp"

namespace ibvf::plugin {

// The namespace named by CNI_NETNS; one that cannot be opened is an environment error (code 4)
// naming the path and why.
linux::NetNs openPodNetNs(const std::string& path);

}  // namespace ibvf::plugin
