// ibvf-bench-mover: the least an exec'd CNI plugin does to hand a netdev to a pod, as a floor.
//
//   ibvf-bench-mover LINK FROM TO [ADDRESS GATEWAY ROUTE]
//
// FROM and TO are netns paths (FROM "-": the caller's namespace). Looks LINK up in FROM and moves
// it to TO with one RTM_NEWLINK; with ADDRESS (a/len), GATEWAY and ROUTE (a/len) it then gives the
// link that address, sets it up and adds the route via the gateway, one request each: the pod
// end state a CNI ADD produces, through the same lib/linux code and link options as ibvf, with
// nothing else (no state, locks, IPAM, logs). Exit 0 on success, 1 with the reason on stderr.
#include <exception>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "net/IpAddress.hpp"

namespace {

using namespace ibvf;

net::IpPrefix prefix(std::string_view text) {
    auto p = net::IpPrefix::parse(text);
    if (!p) throw std::invalid_argument("not an address/length: " + std::string(text));
    return *p;
}

// Address, up, route: what every CNI ADD does in the pod after the move.
void configure(const linux::NetNs& pod, int ifindex, const char* address, const char* gateway, const char* route) {
    auto socket = linux::runInNetNs(pod, [] { return linux::RouteSocket(); });
    socket.addAddress(ifindex, prefix(address));
    socket.setAdminUp(ifindex, true);
    const auto gw = net::IpAddress::parse(gateway);
    if (!gw) throw std::invalid_argument(std::string("not an address: ") + gateway);
    socket.addRoute(linux::RouteSpec{prefix(route), gw, ifindex, {}, {}, {}, {}, {}});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 7) {
        std::cerr << "usage: ibvf-bench-mover LINK FROM TO [ADDRESS GATEWAY ROUTE] (netns paths; FROM \"-\": this namespace)\n";
        return 2;
    }
    try {
        const std::string link = argv[1];
        const std::string from = argv[2];
        const auto target = linux::NetNs::open(argv[3]);
        std::optional<linux::NetNs> source;
        if (from != "-") source.emplace(linux::NetNs::open(from));
        auto socket = source ? linux::runInNetNs(*source, [] { return linux::RouteSocket(); }) : linux::RouteSocket();
        const auto found = socket.linkByName(link);
        if (!found) {
            std::cerr << "ibvf-bench-mover: no link " << link << " in " << from << "\n";
            return 1;
        }
        socket.moveToNetNs(found->ifindex, target.fd());
        // The ifindex survives the move unless the target uses it already; fresh namespaces do not.
        if (argc == 7) configure(target, found->ifindex, argv[4], argv[5], argv[6]);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ibvf-bench-mover: " << e.what() << "\n";
        return 1;
    }
}
