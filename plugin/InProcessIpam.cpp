#include "plugin/InProcessIpam.hpp"

#include "ipam/EtcdHandoff.hpp"

namespace ibvf::plugin {

InProcessIpam::InProcessIpam() : etcd_(ipam::kEtcdIpamBinary) {}

std::unique_ptr<PendingAllocation> InProcessIpam::startAdd(const cni::Request& req) {
    if (ipam::selectsEtcdStore(req.conf)) return etcd_.startAdd(req);
    return allocateWhenCollected([this, &req] { return ipam_.add(req); });
}

void InProcessIpam::del(const cni::Request& req) {
    if (ipam::selectsEtcdStore(req.conf)) return etcd_.del(req);
    ipam_.del(req);
}

void InProcessIpam::check(const cni::Request& req) {
    if (ipam::selectsEtcdStore(req.conf)) return etcd_.check(req);
    ipam_.check(req);
}

void InProcessIpam::gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) {
    if (ipam::selectsEtcdStore(req.conf)) return etcd_.gc(req, valid);
    ipam_.gc(req, valid);
}

bool InProcessIpam::startsProcess(const cni::Request& req) const { return ipam::selectsEtcdStore(req.conf); }

void InProcessIpam::status(const cni::Request& req) {
    if (ipam::selectsEtcdStore(req.conf)) return etcd_.status(req);
    ipam_.status(req);
}

}  // namespace ibvf::plugin
