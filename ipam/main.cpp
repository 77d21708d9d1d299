// ibvf-ipam, the standalone CNI IPAM binary: env + stdin in, one result or error on stdout.
#include "cni/Dispatch.hpp"
#include "ipam/IpamPlugin.hpp"

int main() {
    ibvf::ipam::IpamPlugin plugin;
    return ibvf::cni::runMain(plugin);
}
