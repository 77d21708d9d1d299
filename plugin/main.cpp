#include "cni/Dispatch.hpp"
#include "plugin/IbvfPlugin.hpp"

int main() {
    ibvf::plugin::IbvfPlugin plugin;
    return ibvf::cni::runMain(plugin);
}
