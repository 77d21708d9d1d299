#include "plugin/StatePaths.hpp"

namespace ibvf::plugin {

StatePaths StatePaths::fromEnvironment() {
    const auto runDir = node::runDir();
    return StatePaths{node::attachmentsDirIn(node::stateRoot()), node::locksDirIn(runDir), node::allocationsDirIn(runDir),
                      node::cniDevinfoDir()};
}

}  // namespace ibvf::plugin
