// ibvf-ipam, the standalone CNI IPAM binary: env + stdin in, one result or error on stdout.
// A config whose leases are in etcd goes to ibvf-ipam-etcd (ipam/EtcdHandoff.hpp).
#include "cni/Dispatch.hpp"
#include "ipam/EtcdHandoff.hpp"
#include "ipam/IpamPlugin.hpp"

int main(int argc, char** argv) {
    ibvf::ipam::IpamPlugin plugin;
    return ibvf::cni::runMain("ibvf-ipam", argc, argv, plugin, ibvf::ipam::handOverEtcdConfigs);
}
