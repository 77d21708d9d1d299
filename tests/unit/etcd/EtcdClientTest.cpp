// EtcdClient against scripted HTTP servers on loopback: endpoint failover, keep-alive, deadlines,
// and how etcd's answers map to EtcdUnavailable / EtcdRejected. Real etcd is in
// tests/integration/ipamcluster.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include <doctest/doctest.h>

#include "etcd/Base64.hpp"
#include "etcd/EtcdClient.hpp"
#include "linux/Fd.hpp"
#include "support/LoopbackSocket.hpp"

using namespace ibvf::etcd;
using ibvf::linux::Fd;
using ibvf::test::LoopbackSocket;

namespace {

struct Request {
    std::string path;
    std::string body;
};

// What the server does with a request: the raw reply to write, or nothing and then close
// (empty), or nothing at all until the test ends (`hang`).
struct Reply {
    std::string wire;
    bool hang = false;
};

Reply json(int status, const std::string& body) {
    return {"HTTP/1.1 " + std::to_string(status) +
                " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
            false};
}

class ScriptedServer {
public:
    explicit ScriptedServer(std::function<Reply(const Request&)> handler)
        : handler_(std::move(handler)), listener_(LoopbackSocket::open(16)) {
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedServer() {
        stop_ = true;
        thread_.join();
        for (auto& t : connThreads_) t.join();
    }
    std::string endpoint() const { return listener_.httpEndpoint(); }
    int connections() const { return connections_; }
    std::vector<Request> requests() {
        std::lock_guard<std::mutex> l(mu_);
        return requests_;
    }

private:
    bool readable(int fd) {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, 20) > 0;
    }
    // Each connection on its own thread: a client keeping one alive must not block the next.
    void serve() {
        while (!stop_) {
            if (!readable(listener_.fd.get())) continue;
            Fd conn(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!conn) continue;
            ++connections_;
            connThreads_.emplace_back([this, c = std::move(conn)]() mutable { converse(std::move(c)); });
        }
    }
    void converse(Fd conn) {
        std::string buf;
        while (!stop_) {
            // One request: headers, then Content-Length bytes.
            const auto headEnd = buf.find("\r\n\r\n");
            if (headEnd != std::string::npos) {
                const auto cl = buf.find("Content-Length: ");
                const std::size_t length = cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16));
                if (buf.size() >= headEnd + 4 + length) {
                    Request r{buf.substr(5, buf.find(' ', 5) - 5), buf.substr(headEnd + 4, length)};
                    buf.erase(0, headEnd + 4 + length);
                    {
                        std::lock_guard<std::mutex> l(mu_);
                        requests_.push_back(r);
                    }
                    const Reply reply = handler_(r);
                    if (reply.hang) {
                        while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        return;
                    }
                    if (reply.wire.empty()) return;  // close without a word
                    (void)!::write(conn.get(), reply.wire.data(), reply.wire.size());
                    continue;
                }
            }
            if (!readable(conn.get())) continue;
            char chunk[4096];
            const ssize_t n = ::read(conn.get(), chunk, sizeof chunk);
            if (n <= 0) return;
            buf.append(chunk, static_cast<std::size_t>(n));
        }
    }

    std::function<Reply(const Request&)> handler_;
    LoopbackSocket listener_;
    std::thread thread_;
    std::vector<std::thread> connThreads_;  // only the accepting thread adds, only the destructor joins
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::mutex mu_;
    std::vector<Request> requests_;
};

const std::string kRangeReply = R"({"header":{"revision":"9"},"kvs":[{"key":")" + base64Encode("/k") +
                                R"(","create_revision":"3","value":")" + base64Encode("v") + R"("}],"count":"1"})";

// A port with no listener: bound, never listening, so connects are refused.
struct RefusingPort {
    LoopbackSocket s = LoopbackSocket::open(0);
    std::string endpoint() const { return s.httpEndpoint(); }
};

EtcdClient clientOf(const std::vector<std::string>& endpoints, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    ClientSettings s;
    for (const auto& e : endpoints) s.endpoints.push_back(parseEndpoint(e, false));
    return EtcdClient(std::move(s), Deadline(timeout));
}

TxnRequest aWrite() {
    TxnRequest t;
    t.success.push_back({PutRequest{"/k", "v"}});
    return t;
}

}  // namespace

TEST_CASE("a refused endpoint is skipped; one connection carries every request") {
    RefusingPort dead;
    ScriptedServer live([](const Request&) { return json(200, kRangeReply); });
    auto client = clientOf({dead.endpoint(), live.endpoint()});
    for (int i = 0; i < 3; ++i) {
        const auto r = client.range({"/k", {}, 0, false, false});
        REQUIRE(r.kvs.size() == 1);
        CHECK(r.kvs[0].value == "v");
        CHECK(r.revision == 9);
    }
    CHECK(live.connections() == 1);
    const auto reqs = live.requests();
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[0].path == "/v3/kv/range");
    CHECK(reqs[0].body == R"({"key":"L2s="})");
}

TEST_CASE("etcd's 'not now' moves a read to the next member; a write reports it may have applied") {
    ScriptedServer busy([](const Request&) {
        return json(503, R"({"error":"etcdserver: leader changed","code":14,"message":"etcdserver: leader changed"})");
    });
    ScriptedServer live([](const Request& r) {
        return json(200, r.path == "/v3/kv/range" ? kRangeReply : R"({"header":{"revision":"10"},"succeeded":true})");
    });
    auto client = clientOf({busy.endpoint(), live.endpoint()});
    CHECK(client.range({"/k", {}, 0, false, false}).kvs.size() == 1);

    auto writer = clientOf({busy.endpoint(), live.endpoint()});
    try {
        writer.txn(aWrite());
        FAIL("a write to a member without a leader succeeded");
    } catch (const EtcdUnavailable& e) {
        CHECK(e.maybeApplied());
        CHECK(std::string(e.what()).find("leader changed") != std::string::npos);
    }
    CHECK(writer.txn(aWrite()).succeeded);  // the next one goes to the next member
    auto repeatable = clientOf({busy.endpoint(), live.endpoint()});
    CHECK(repeatable.txn(aWrite(), true).succeeded);  // a repeatable write moves on by itself
}

TEST_CASE("a connection closed before the reply: reads retry elsewhere, writes may have applied") {
    ScriptedServer closer([](const Request&) { return Reply{}; });
    ScriptedServer live([](const Request&) { return json(200, kRangeReply); });
    CHECK(clientOf({closer.endpoint(), live.endpoint()}).range({"/k", {}, 0, false, false}).kvs.size() == 1);
    auto writer = clientOf({closer.endpoint()});
    CHECK_THROWS_WITH_AS(writer.txn(aWrite()), doctest::Contains("may have been applied"), EtcdUnavailable);
}

TEST_CASE("a member that never answers costs the deadline, not more") {
    ScriptedServer mute([](const Request&) { return Reply{{}, true}; });
    auto client = clientOf({mute.endpoint()}, std::chrono::milliseconds(300));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(client.range({"/k", {}, 0, false, false}), doctest::Contains("timed out"), EtcdUnavailable);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= std::chrono::milliseconds(290));
    CHECK(took < std::chrono::milliseconds(1500));
}

TEST_CASE("refusals are not retried; something that is not the gateway is named as such") {
    ScriptedServer denied([](const Request&) {
        return json(403, R"({"error":"etcdserver: permission denied","code":7,"message":"etcdserver: permission denied"})");
    });
    ScriptedServer other([](const Request&) { return json(200, kRangeReply); });
    CHECK_THROWS_WITH_AS(clientOf({denied.endpoint(), other.endpoint()}).range({"/k", {}, 0, false, false}),
                         doctest::Contains("permission denied"), EtcdRejected);
    CHECK(other.requests().empty());

    ScriptedServer notEtcd([](const Request&) {
        return Reply{"HTTP/1.1 404 Not Found\r\nContent-Length: 18\r\n\r\n404 page not found", false};
    });
    CHECK_THROWS_WITH_AS(clientOf({notEtcd.endpoint()}).range({"/k", {}, 0, false, false}),
                         doctest::Contains("does not serve the v3 JSON gateway"), EtcdRejected);
    ScriptedServer garbage([](const Request&) { return json(200, "{\"kvs\":7}"); });
    CHECK_THROWS_WITH_AS(clientOf({garbage.endpoint()}).range({"/k", {}, 0, false, false}), doctest::Contains("unreadable"), EtcdRejected);
}

TEST_CASE("every endpoint down: one EtcdUnavailable naming each, nothing sent") {
    RefusingPort a, b;
    try {
        clientOf({a.endpoint(), b.endpoint()}).txn(aWrite());
        FAIL("no error");
    } catch (const EtcdUnavailable& e) {
        CHECK_FALSE(e.maybeApplied());
        const std::string what = e.what();
        CHECK(what.find(a.endpoint()) != std::string::npos);
        CHECK(what.find(b.endpoint()) != std::string::npos);
        CHECK(what.find("Connection refused") != std::string::npos);
    }
}
