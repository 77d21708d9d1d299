// ibvf-ipam, the standalone CNI IPAM binary: env + stdin in, one result or error on stdout.
// A config whose leases are in etcd goes to ibvf-ipam-etcd (ipam/EtcdHandoff.hpp).
#include "cni/Dispatch.hpp"
#include "ipam/EtcdHandoff.hpp"
#include "ipam/IpamPlugin.hpp"

int main() {
    ibvf::ipam::IpamPlugin plugin;
    return ibvf::cni::runMain(plugin, ibvf::ipam::handOverEtcdConfigs);
}
