// ibvf-ipam-etcd: ibvf-ipam with the etcd lease store linked in (ibvf-ipam and ibvf hand it every
// config whose ipam.backend is etcd; it serves node-local configs too). `ibvf-ipam-etcd guid`
// serves the GUID leases of "guidSource": "etcd" for ibvf (GuidCommand.hpp).
#include <string_view>

#include "cni/Dispatch.hpp"
#include "ipam/BackendConfig.hpp"
#include "ipam/IpamPlugin.hpp"
#include "ipam/etcd/EtcdLeaseStore.hpp"
#include "ipam/etcd/GuidCommand.hpp"

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == ibvf::ipam::kGuidCommandArg) {
        ibvf::ipam::GuidPlugin guids;
        return ibvf::cni::runMain("ibvf-ipam-etcd guid", argc - 1, argv + 1, guids);
    }
    ibvf::ipam::registerEtcdStore(ibvf::ipam::openEtcdStore);
    ibvf::ipam::IpamPlugin plugin;
    return ibvf::cni::runMain("ibvf-ipam-etcd", argc, argv, plugin);
}
