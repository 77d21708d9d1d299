// ibvf-ipam-etcd: ibvf-ipam with the etcd lease store linked in (ibvf-ipam and ibvf hand it every
// config whose ipam.backend is etcd; it serves node-local configs too).
#include "cni/Dispatch.hpp"
#include "ipam/BackendConfig.hpp"
#include "ipam/IpamPlugin.hpp"
#include "ipam/etcd/EtcdLeaseStore.hpp"

int main(int argc, char** argv) {
    ibvf::ipam::registerEtcdStore(ibvf::ipam::openEtcdStore);
    ibvf::ipam::IpamPlugin plugin;
    return ibvf::cni::runMain("ibvf-ipam-etcd", argc, argv, plugin);
}
