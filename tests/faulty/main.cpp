// ibvf-faulty: the ibvf CNI plugin plus fault injection from IBVF_FAULT (FaultInjection.hpp).
// Built only with the tests and never installed; the shipped ibvf has no such switch.
#include "cni/Dispatch.hpp"
#include "faulty/FaultInjection.hpp"
#include "plugin/IbvfPlugin.hpp"

int main(int argc, char** argv) {
    ibvf::faulty::installFromEnvironment();
    ibvf::plugin::IbvfPlugin plugin;
    return ibvf::cni::runMain("ibvf-faulty", argc, argv, plugin);
}
