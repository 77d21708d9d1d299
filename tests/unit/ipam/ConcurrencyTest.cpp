// Many processes on one network at once: the flock serializes them, every address is handed out
// once, and releases all land.
#include <unistd.h>

#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/LeaseStore.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

Range range(std::string subnet) { return makeRange(RangeSpec{std::move(subnet), {}, {}, {}}, "r"); }

// Built with += : GCC 12 reports a false -Wrestrict on chained operator+ of short strings.
std::string cidOf(const char* prefix, int a, int b) {
    std::string s = prefix;
    s += std::to_string(a);
    s += 'c';
    s += std::to_string(b);
    return s;
}

constexpr int kProcesses = 12;
constexpr int kPerProcess = 20;

// Starts every child, then waits for all; each child runs `body(index)` and exits 0 on success.
template <class F>
std::vector<int> forkAll(int count, F&& body) {
    std::vector<pid_t> pids;
    for (int i = 0; i < count; ++i) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int rc = 1;
            try {
                rc = body(i);
            } catch (...) {}
            ::_exit(rc);
        }
        pids.push_back(pid);
    }
    std::vector<int> statuses;
    for (const pid_t pid : pids) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        statuses.push_back(status);
    }
    return statuses;
}

}  // namespace

TEST_CASE("concurrent ADDs from many processes get distinct addresses; concurrent DELs free them") {
    TempDir root;
    const StoreLocation loc = locationIn(root.path(), "race");
    const std::vector<RangeSet> sets{{range("10.4.0.0/23")}, {range("fd04::/119")}};

    // Children report what they got through a pipe: "cid address address\n".
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const auto statuses = forkAll(kProcesses, [&](int p) {
        ::close(fds[0]);
        LeaseStore store(loc);
        for (int j = 0; j < kPerProcess; ++j) {
            const std::string cid = cidOf("p", p, j);
            const auto got = store.allocate({cid, "net1"}, sets, {}, {});
            const std::string line = cid + " " + got[0].toString() + " " + got[1].toString() + "\n";
            if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 2;
        }
        return 0;
    });
    ::close(fds[1]);
    std::string all;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    for (const int s : statuses) CHECK(exitedWith(s, 0));

    std::set<std::string> v4, v6;
    int lines = 0;
    std::size_t i = 0;
    while (i < all.size()) {
        const auto nl = all.find('\n', i);
        const std::string line = all.substr(i, nl - i);
        i = nl + 1;
        const auto a = line.find(' ');
        const auto b = line.find(' ', a + 1);
        v4.insert(line.substr(a + 1, b - a - 1));
        v6.insert(line.substr(b + 1));
        ++lines;
    }
    CHECK(lines == kProcesses * kPerProcess);
    CHECK(v4.size() == static_cast<std::size_t>(kProcesses * kPerProcess));
    CHECK(v6.size() == static_cast<std::size_t>(kProcesses * kPerProcess));
    const auto raw = RawStore::read(loc.dir);
    raw.checkInvariants();
    CHECK(raw.leases.size() == static_cast<std::size_t>(2 * kProcesses * kPerProcess));

    const auto delStatuses = forkAll(kProcesses, [&](int p) {
        LeaseStore store(loc);
        for (int j = 0; j < kPerProcess; ++j) {
            if (store.release({cidOf("p", p, j), "net1"}) != 2) return 3;
        }
        return 0;
    });
    for (const int s : delStatuses) CHECK(exitedWith(s, 0));
    const auto empty = RawStore::read(loc.dir);
    CHECK(empty.leases.empty());
    CHECK(empty.indexes.empty());
}

TEST_CASE("threads of one process are serialized by the lock too (in-process IPAM)") {
    TempDir root;
    const StoreLocation loc = locationIn(root.path(), "threads");
    const std::vector<RangeSet> sets{{range("10.5.0.0/24")}};
    std::vector<std::vector<net::IpAddress>> results(4);
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                LeaseStore store(loc);
                for (int j = 0; j < 25; ++j) {
                    results[static_cast<std::size_t>(t)].push_back(store.allocate({cidOf("t", t, j), "net1"}, sets, {}, {})[0]);
                }
            });
        }
        for (auto& th : threads) th.join();
    }
    std::set<net::IpAddress> all;
    for (const auto& r : results) all.insert(r.begin(), r.end());
    CHECK(all.size() == 100);
}
