// A claim whose reply is lost after etcd applied it: the ADD must find it again and keep it (one
// lease, not two), and an ADD that gives up must leave nothing half-claimed.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "ClusterLab.hpp"
#include "linux/Fd.hpp"
#include "support/LoopbackSocket.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;
using ibvf::test::LoopbackSocket;
using linux::Fd;

namespace {

// A TCP proxy in front of etcd that, for the first `dropReplies` requests that get an answer,
// passes the request on and then cuts the client off instead of forwarding the answer: the
// request was applied, the reply never arrived.
class ReplyDroppingProxy {
public:
    ReplyDroppingProxy(std::uint16_t upstreamPort, int dropReplies)
        : upstream_(upstreamPort), drops_(dropReplies), listener_(LoopbackSocket::open(64)) {
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~ReplyDroppingProxy() {
        stop_ = true;
        acceptor_.join();
        for (auto& t : pumps_) t.join();
    }
    std::string endpoint() const { return listener_.httpEndpoint(); }
    int dropped() const { return dropped_; }

private:
    void acceptLoop() {
        while (!stop_) {
            pollfd p{listener_.fd.get(), POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            Fd client(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!client) continue;
            pumps_.emplace_back([this, c = std::move(client)]() mutable { pump(std::move(c)); });
        }
    }
    void pump(Fd client) {
        Fd server(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const sockaddr_in up = LoopbackSocket::address(upstream_);
        if (::connect(server.get(), reinterpret_cast<const sockaddr*>(&up), sizeof up) != 0) return;
        char buf[65536];
        while (!stop_) {
            pollfd p[2] = {{client.get(), POLLIN, 0}, {server.get(), POLLIN, 0}};
            if (::poll(p, 2, 20) <= 0) continue;
            if (p[0].revents) {
                const ssize_t n = ::read(client.get(), buf, sizeof buf);
                if (n <= 0 || ::write(server.get(), buf, static_cast<std::size_t>(n)) != n) return;
            }
            if (p[1].revents) {
                const ssize_t n = ::read(server.get(), buf, sizeof buf);
                if (n <= 0) return;
                if (drops_.fetch_sub(1) > 0) {  // etcd has answered, so it has applied: cut the client off
                    ++dropped_;
                    return;
                }
                if (::write(client.get(), buf, static_cast<std::size_t>(n)) != n) return;
            }
        }
    }

    std::uint16_t upstream_;
    std::atomic<int> drops_;
    std::atomic<int> dropped_{0};
    LoopbackSocket listener_;
    std::thread acceptor_;
    std::vector<std::thread> pumps_;
    std::atomic<bool> stop_{false};
};

std::uint16_t portOf(const std::string& endpoint) {
    return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

}  // namespace

TEST_CASE("a claim applied but its reply lost: the ADD finds its own claim and keeps it") {
    EtcdServer etcd;
    ReplyDroppingProxy proxy(portOf(etcd.endpoint()), 1);
    const Node node("node-a");
    NetSpec dual;
    dual.ipam = R"("ranges":[[{"subnet":"10.48.0.0/24"}],[{"subnet":"fd48::/64"}]])";
    const auto r = node.run("ADD", clusterConfig(proxy.endpoint(), node.name(), dual), "c1");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(proxy.dropped() == 1);
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    // Exactly the addresses of the result: the lost claim, not a second one beside it.
    CHECK(state.leases.size() == 2);
    CHECK(state.addressesOf("node-a", "c1") == std::set<std::string>{bare(addressOf(r, 0)), bare(addressOf(r, 1))});
}

TEST_CASE("etcd frozen mid-ADD: code 11 within the timeout; whatever it applies later is whole, and DEL removes it") {
    EtcdServer etcd;
    const Node node("node-a");
    NetSpec spec;
    spec.backendExtra = R"(,"timeoutMs":500)";
    const std::string conf = clusterConfig(etcd.endpoint(), node.name(), spec);
    REQUIRE(node.run("ADD", conf, "warm").exitCode == 0);

    etcd.pause();
    const auto r = node.run("ADD", conf, "frozen");
    etcd.resume();
    CHECK(codeOf(r) == 11);
    CHECK_MESSAGE(msgOf(r).find("timed out") != std::string::npos, r.summary());
    // etcd may still apply the claim it read before it froze: then it is a whole claim.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ClusterState::read(etcd).checkWhole();
    const auto del = node.run("DEL", conf, "frozen");
    CHECK_MESSAGE(del.exitCode == 0, del.summary());
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == 1);
    CHECK(state.addressesOf("node-a", "warm").size() == 1);
}
