#include "plugin/PodNetNs.hpp"

#include "cni/Error.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {

kernel::NetNs openPodNetNs(const std::string& path) {
    try {
        return kernel::NetNs::open(path);
    } catch (const kernel::KernelError& e) {
        throw cni::Error(cni::ErrorCode::InvalidEnvironment, "cannot open network namespace " + path, e.what());
    }
}

}  // namespace ibvf::plugin
