#include "plugin/PodNetNs.hpp"

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {

linux::NetNs openPodNetNs(const std::string& path) {
    try {
        return linux::NetNs::open(path);
    } catch (const linux::KernelError& e) {
        throw cni::Error(cni::ErrorCode::InvalidEnvironment, "cannot open network namespace " + path, e.what());
    }
}

}  // namespace ibvf::plugin
