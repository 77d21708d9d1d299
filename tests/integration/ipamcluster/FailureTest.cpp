// etcd going away and coming back, and etcd never there.
#include <atomic>
#include <mutex>

#include "ClusterLab.hpp"
#include "support/LoopbackSocket.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::cluster;
using ibvf::ipam::test::numbered;

TEST_CASE("etcd killed and restarted in the middle of a run of ADDs: code 11, no duplicates, nothing left after cleanup") {
    EtcdServer etcd;
    const Node node("node-a");
    const std::string conf = clusterConfig(etcd.endpoint(), node.name());

    struct Outcome {
        std::string cid;
        RunResult result;
        bool afterRestart = false;
    };
    std::mutex mu;
    std::vector<Outcome> outcomes;
    std::atomic<int> succeeded{0};
    std::atomic<int> next{0};
    std::atomic<bool> stop{false};
    std::atomic<bool> restarted{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&] {
            while (!stop) {
                const std::string cid = numbered("k", next++);
                const bool after = restarted;
                auto r = node.run("ADD", conf, cid);
                if (r.exitCode == 0) ++succeeded;
                std::lock_guard<std::mutex> l(mu);
                outcomes.push_back({cid, std::move(r), after});
            }
        });
    }
    const auto waitFor = [&](int n) {
        const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (succeeded < n && std::chrono::steady_clock::now() < giveUp) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    };
    waitFor(20);
    etcd.kill();  // mid-run: some ADDs are between their request and etcd's reply
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    etcd.start();
    restarted = true;
    const int beforeRestart = succeeded;
    waitFor(beforeRestart + 20);
    stop = true;
    for (auto& t : workers) t.join();

    std::map<std::string, std::string> holderOf;  // address -> cid, from successful ADDs
    std::vector<std::string> failed;
    int succeededAfterRestart = 0;
    for (const auto& o : outcomes) {
        if (o.result.exitCode == 0) {
            const auto [it, fresh] = holderOf.emplace(bare(addressOf(o.result)), o.cid);
            CHECK_MESSAGE(fresh, "address " << it->first << " handed to " << it->second << " and " << o.cid);
            if (o.afterRestart) ++succeededAfterRestart;
            continue;
        }
        CHECK_MESSAGE(codeOf(o.result) == 11, o.result.summary());
        CHECK_MESSAGE(msgOf(o.result).find("try again later") != std::string::npos, o.result.summary());
        CHECK_MESSAGE(msgOf(o.result).find("etcd") != std::string::npos, o.result.summary());
        failed.push_back(o.cid);
    }
    MESSAGE(holderOf.size() << " ADDs succeeded (" << succeededAfterRestart << " after the restart), " << failed.size()
                            << " failed during the outage");
    CHECK(failed.size() > 0);  // the outage was seen
    CHECK(succeededAfterRestart >= 20);

    // What the runtime does after a failed ADD: DEL it.
    for (const auto& cid : failed) {
        const auto r = node.run("DEL", conf, cid);
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
    }
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == holderOf.size());
    for (const auto& [addr, cid] : holderOf) {
        const auto it = state.leases.find(addr);
        REQUIRE_MESSAGE(it != state.leases.end(), "lease of " << cid << " (" << addr << ") is gone");
        CHECK(it->second.cid == cid);
    }
    // And ADDs work as ever.
    const auto r = node.run("ADD", conf, "after-all");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
}

TEST_CASE("etcd unreachable: ADD and DEL say try again later (11), STATUS says not available (50); all well once it is back") {
    EtcdServer etcd;
    const Node node("node-a");
    const std::string conf = clusterConfig(etcd.endpoint(), node.name());
    REQUIRE(node.run("ADD", conf, "before").exitCode == 0);
    CHECK(node.run("STATUS", conf, "").exitCode == 0);
    etcd.kill();

    auto r = node.run("ADD", conf, "during");
    CHECK(r.exitCode == 1);
    CHECK(codeOf(r) == 11);
    CHECK_MESSAGE(msgOf(r).find("network ibnet: ADD: etcd is unreachable, try again later") != std::string::npos, r.summary());
    CHECK_MESSAGE(msgOf(r).find(etcd.endpoint()) != std::string::npos, r.summary());
    CHECK_MESSAGE(msgOf(r).find("Connection refused") != std::string::npos, r.summary());
    r = node.run("DEL", conf, "before");
    CHECK(codeOf(r) == 11);
    r = node.run("STATUS", conf, "");
    CHECK(r.exitCode == 1);
    CHECK(codeOf(r) == 50);
    CHECK_MESSAGE(msgOf(r).find("etcd is not available") != std::string::npos, r.summary());

    etcd.start();
    CHECK(node.run("STATUS", conf, "").exitCode == 0);
    r = node.run("ADD", conf, "during");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(node.run("DEL", conf, "before").exitCode == 0);
    const auto state = ClusterState::read(etcd);
    state.checkWhole();
    CHECK(state.leases.size() == 1);
    CHECK(state.addressesOf("node-a", "during").size() == 1);
}

TEST_CASE("an endpoint that accepts and never answers costs timeoutMs, then code 11; the next endpoint is used") {
    // A listening socket nobody accepts from: the kernel completes the handshake, no reply ever comes.
    const auto mute = ibvf::test::LoopbackSocket::open(8);
    const std::string muteEndpoint = mute.httpEndpoint();

    const Node node("node-a");
    NetSpec spec;
    spec.backendExtra = R"(,"timeoutMs":400)";
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = node.run("ADD", clusterConfig(muteEndpoint, node.name(), spec), "c1");
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(codeOf(r) == 11);
    CHECK_MESSAGE(msgOf(r).find("timed out") != std::string::npos, r.summary());
    CHECK(took >= std::chrono::milliseconds(400));
    CHECK(took < std::chrono::milliseconds(3000));  // the undo of a lost claim has its own short budget

    // With a live member listed after the mute one, ADD succeeds: the mute one gets its share of
    // the deadline (half, of two), the live one the rest.
    EtcdServer etcd;
    spec.backendExtra = R"(,"timeoutMs":1000)";
    std::string both = clusterConfig(muteEndpoint, node.name(), spec);
    const std::string one = "\"endpoints\":[\"" + muteEndpoint + "\"]";
    both.replace(both.find(one), one.size(), "\"endpoints\":[\"" + muteEndpoint + "\",\"" + etcd.endpoint() + "\"]");
    const auto ok = node.run("ADD", both, "c2");
    CHECK_MESSAGE(ok.exitCode == 0, ok.summary());
}
