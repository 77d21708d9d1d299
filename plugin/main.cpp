#include "cni/Dispatch.hpp"
#include "plugin/IbvfPlugin.hpp"

int main(int argc, char** argv) {
    ibvf::plugin::IbvfPlugin plugin;
    return ibvf::cni::runMain("ibvf", argc, argv, plugin);
}
