#pragma once
// resolv.conf(5) into the result's "dns", as host-local does for its "resolvConf" option.
#include <string>
#include <string_view>

#include "cni/Result.hpp"

namespace ibvf::ipam {

// nameserver, domain, search and options lines; comments ('#', ';') and other keywords ignored.
// The last "domain" and the last "search" line win (both are kept, as host-local keeps them);
// "options" accumulate. Only values shaped as they should be are kept (a nameserver an IP
// address, domain and search entries DNS names, options "name" or "name:N"): the path comes from
// a NetworkAttachmentDefinition, is read as root, and the result is visible to the pod's users.
cni::Dns parseResolvConf(std::string_view text);

// Throws cni::Error(InvalidNetworkConfig) naming the path when it cannot be read, is not a
// regular file, or is larger than 64 KiB; never with any of its content.
cni::Dns readResolvConf(const std::string& path);

}  // namespace ibvf::ipam
