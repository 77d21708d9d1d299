// ibvf-bench-mover: the least an exec'd CNI plugin does to hand a netdev to a pod, as a floor.
//
//   ibvf-bench-mover LINK FROM TO      FROM, TO: netns paths; FROM "-" is the caller's namespace
//
// Opens both namespaces, looks LINK up in FROM and moves it to TO with one RTM_NEWLINK, through
// the same lib/linux code and link options as ibvf. The difference between this floor and the
// same move made inside the benchmark's own process is what the kernel charges for starting and
// ending a process around the move (exec, page faults, the RCU callbacks the move then waits
// for). Exit 0 on success, 1 with the reason on stderr otherwise.
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"

int main(int argc, char** argv) {
    using namespace ibvf::linux;
    if (argc != 4) {
        std::cerr << "usage: ibvf-bench-mover LINK FROM TO (netns paths; FROM \"-\": this namespace)\n";
        return 2;
    }
    try {
        const std::string link = argv[1];
        const std::string from = argv[2];
        const auto target = NetNs::open(argv[3]);
        std::optional<NetNs> source;
        if (from != "-") source.emplace(NetNs::open(from));
        auto socket = source ? runInNetNs(*source, [] { return RouteSocket(); }) : RouteSocket();
        const auto found = socket.linkByName(link);
        if (!found) {
            std::cerr << "ibvf-bench-mover: no link " << link << " in " << from << "\n";
            return 1;
        }
        socket.moveToNetNs(found->ifindex, target.fd());
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ibvf-bench-mover: " << e.what() << "\n";
        return 1;
    }
}
