#include "Workload.hpp"

#include <stdexcept>

namespace ibvf::bench {

namespace {

linux::NetNs openPod(const test::ScopedNetns& pod) { return pod.open(); }

void raisePeer(linux::RouteSocket& host, const std::string& peer) {
    const auto link = host.linkByName(peer);
    if (!link) throw std::runtime_error("veth peer " + peer + " vanished right after creation");
    host.setAdminUp(link->ifindex, true);
}

}  // namespace

Stage::Stage(linux::RouteSocket& host, std::size_t slot) : podNs_(openPod(pod_)), slot_(slot) {
    vf_.alsoSearch(pod_.path());
    raisePeer(host, vf_.b());
}

void expectInPod(const Stage& stage, const std::string& podName, const std::string& who) {
    if (!test::linkExistsIn(stage.podPath(), podName))
        throw std::runtime_error(who + ": " + podName + " is not in " + stage.podPath() + " after ADD");
    if (test::linkExistsIn("", stage.vfName())) throw std::runtime_error(who + ": " + stage.vfName() + " is still on the host after ADD");
}

void expectBackOnHost(const Stage& stage, const std::string& podName, const std::string& who) {
    if (!test::linkExistsIn("", stage.vfName()))
        throw std::runtime_error(who + ": " + stage.vfName() + " is not back on the host after DEL");
    if (test::linkExistsIn(stage.podPath(), podName))
        throw std::runtime_error(who + ": " + podName + " is still in " + stage.podPath() + " after DEL");
}

}  // namespace ibvf::bench
