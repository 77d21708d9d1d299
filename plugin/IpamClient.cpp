#include "plugin/IpamClient.hpp"

#include "plugin/ExecIpam.hpp"
#include "plugin/InProcessIpam.hpp"

namespace ibvf::plugin {

std::unique_ptr<IpamClient> makeIpamClient(const std::string& type) {
    if (type.empty()) return nullptr;
    if (type == kBundledIpamType) return std::make_unique<InProcessIpam>();
    return std::make_unique<ExecIpam>(type);
}

}  // namespace ibvf::plugin
