#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "ForkedChild.hpp"
#include "linux/FileLock.hpp"
#include "linux/KernelError.hpp"
#include "support/ScratchDir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ibvf::linux::FileLock;
using ibvf::linux::KernelError;
using ibvf::test::ForkedChild;
using ibvf::test::monotonicNs;
using ibvf::test::Pipe;
using ibvf::test::ScratchDir;

namespace {

constexpr std::int64_t kMs = 1000000;

struct AttemptResult {
    bool acquired = false;
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
};

// A child that, once told to go, tries to take the lock and reports what happened and when.
// It must be forked before the parent takes the lock: a forked child shares the parent's open
// file description, and with it the flock, until it exits or execs.
int attemptInChild(const fs::path& path, std::chrono::milliseconds timeout, const Pipe& go, const Pipe& report) {
    char byte = 0;
    if (!go.receive(byte)) return 1;
    AttemptResult r;
    r.startNs = monotonicNs();
    auto lock = FileLock::tryAcquire(path, timeout);
    r.endNs = monotonicNs();
    r.acquired = lock.has_value();
    report.send(r);
    return 0;
}

unsigned modeOf(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777U;
}

}  // namespace

TEST_CASE("a lock creates its directories (0700) and file (0600) and excludes a second holder") {
    ScratchDir dir;
    const fs::path path = dir / "run/ibvf/locks/0000:3b:00.2.lock";
    auto first = FileLock::tryAcquire(path, 0ms);
    REQUIRE(first.has_value());
    CHECK(first->path() == path);
    CHECK(modeOf(path) == 0600U);
    CHECK(modeOf(dir / "run") == 0700U);
    CHECK(modeOf(dir / "run/ibvf/locks") == 0700U);

    // flock is per open file description: a second open in the same process conflicts too.
    CHECK_FALSE(FileLock::tryAcquire(path, 0ms).has_value());

    // Other paths are independent (per-VF locks, not a node-wide one).
    CHECK(FileLock::tryAcquire(dir / "run/ibvf/locks/0000:3b:00.3.lock", 0ms).has_value());

    first.reset();
    CHECK(FileLock::tryAcquire(path, 0ms).has_value());
    CHECK(fs::exists(path));  // the file stays: removing it would race with waiters
}

TEST_CASE("a timed-out wait gives up on time and does not keep the lock from the next acquirer") {
    ScratchDir dir;
    const fs::path path = dir / "vf.lock";
    auto first = FileLock::tryAcquire(path, 0ms);
    REQUIRE(first.has_value());
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(FileLock::tryAcquire(path, 30ms).has_value());
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 30ms);
    CHECK(waited < 200ms);

    // The abandoned helper of that wait may take and drop the lock once when it is released;
    // a real waiter must still get it at once.
    first.reset();
    const auto released = std::chrono::steady_clock::now();
    auto next = FileLock::tryAcquire(path, 2000ms);
    REQUIRE(next.has_value());
    CHECK(std::chrono::steady_clock::now() - released < 50ms);
}

TEST_CASE("a lock moved into another object stays held") {
    ScratchDir dir;
    const fs::path path = dir / "x.lock";
    std::optional<FileLock> holder;
    {
        auto lock = FileLock::tryAcquire(path, 0ms);
        REQUIRE(lock.has_value());
        holder.emplace(std::move(*lock));
    }
    CHECK_FALSE(FileLock::tryAcquire(path, 0ms).has_value());
    holder.reset();
    CHECK(FileLock::tryAcquire(path, 0ms).has_value());
}

TEST_CASE("a lock in another process times out within the bound") {
    ScratchDir dir;
    const fs::path path = dir / "vf.lock";
    Pipe go;
    Pipe report;
    ForkedChild child([&] { return attemptInChild(path, 150ms, go, report); });
    auto held = FileLock::tryAcquire(path, 0ms);
    REQUIRE(held.has_value());
    go.send(char{1});
    AttemptResult r;
    REQUIRE(report.receive(r));
    CHECK_FALSE(r.acquired);
    const std::int64_t waited = r.endNs - r.startNs;
    CHECK(waited >= 150 * kMs);
    CHECK(waited < 250 * kMs);
    const int status = child.wait();
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

TEST_CASE("a waiting process gets the lock promptly once it is released") {
    ScratchDir dir;
    const fs::path path = dir / "vf.lock";
    // Several rounds, each must be prompt; the hold times land the release at different points
    // of the waiter's back-off, including well after it reached its longest sleep.
    std::int64_t worstNs = 0;
    for (const auto hold : {5ms, 30ms, 80ms, 200ms, 213ms, 226ms, 239ms}) {
        CAPTURE(hold.count());
        Pipe go;
        Pipe report;
        ForkedChild child([&] { return attemptInChild(path, 5000ms, go, report); });
        auto held = FileLock::tryAcquire(path, 0ms);
        REQUIRE(held.has_value());
        go.send(char{1});
        std::this_thread::sleep_for(hold + 10ms);  // the child is waiting by now
        const std::int64_t releasedNs = monotonicNs();
        held.reset();
        AttemptResult r;
        REQUIRE(report.receive(r));
        REQUIRE(r.acquired);
        CHECK(r.endNs > releasedNs);
        CHECK(r.endNs - releasedNs < 20 * kMs);
        worstNs = std::max(worstNs, r.endNs - releasedNs);
        child.wait();
    }
    MESSAGE("slowest hand-over after release: " << worstNs / 1000 << " us");
}

TEST_CASE("a lock is released when its holder is killed") {
    ScratchDir dir;
    const fs::path path = dir / "vf.lock";
    Pipe ready;
    ForkedChild holder([&] {
        auto lock = FileLock::tryAcquire(path, 1000ms);
        if (!lock) return 1;
        ready.send(char{1});
        for (;;) ::pause();
    });
    char byte = 0;
    REQUIRE(ready.receive(byte));
    CHECK_FALSE(FileLock::tryAcquire(path, 20ms).has_value());

    // Kill it while we are waiting: the wait must end at the kill, not at the timeout.
    std::int64_t killedNs = 0;
    std::thread killer([&] {
        std::this_thread::sleep_for(50ms);
        killedNs = monotonicNs();
        holder.kill(SIGKILL);
    });
    auto lock = FileLock::tryAcquire(path, 5000ms);
    const std::int64_t acquiredNs = monotonicNs();
    killer.join();
    REQUIRE(lock.has_value());
    // Far below the 5 s timeout; the slack is for a loaded machine scheduling the killer late.
    CHECK(acquiredNs - killedNs < 250 * kMs);
    const int status = holder.wait();
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}

TEST_CASE("lock errors name the path") {
    ScratchDir dir;
    std::ofstream(dir / "file") << "x";
    const fs::path path = dir / "file/sub/vf.lock";
    try {
        FileLock::tryAcquire(path, 0ms);
        FAIL("no error");
    } catch (const KernelError& e) {
        CHECK(e.err() == ENOTDIR);
        CHECK(std::string(e.what()).find((dir / "file").string()) != std::string::npos);
    }
}

TEST_CASE("processes updating a file under the lock never lose an update") {
    ScratchDir dir;
    const fs::path lockPath = dir / "counter.lock";
    const fs::path counter = dir / "counter";
    std::ofstream(counter) << 0;
    constexpr int kProcesses = 6;
    constexpr int kIncrements = 15;
    std::vector<std::unique_ptr<ForkedChild>> children;
    for (int p = 0; p < kProcesses; ++p) {
        children.push_back(std::make_unique<ForkedChild>([&] {
            for (int i = 0; i < kIncrements; ++i) {
                auto lock = FileLock::tryAcquire(lockPath, 10000ms);
                if (!lock) return 1;
                int value = 0;
                std::ifstream(counter) >> value;
                std::this_thread::sleep_for(100us);  // widen the read-modify-write window
                std::ofstream(counter, std::ios::trunc) << value + 1;
            }
            return 0;
        }));
    }
    for (auto& child : children) {
        const int status = child->wait();
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    int value = 0;
    std::ifstream(counter) >> value;
    CHECK(value == kProcesses * kIncrements);
}

TEST_CASE("shared holders coexist; an exclusive one waits for all of them, and they for it") {
    ScratchDir dir;
    const fs::path path = dir / "gc.lock";
    auto a = FileLock::tryAcquire(path, 0ms, FileLock::Mode::Shared);
    auto b = FileLock::tryAcquire(path, 0ms, FileLock::Mode::Shared);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK_FALSE(FileLock::tryAcquire(path, 0ms).has_value());
    a.reset();
    CHECK_FALSE(FileLock::tryAcquire(path, 20ms).has_value());
    // Released while an exclusive waiter blocks in the kernel: it gets the lock at once.
    std::thread release([&] {
        std::this_thread::sleep_for(30ms);
        b.reset();
    });
    auto exclusive = FileLock::tryAcquire(path, 2000ms);
    release.join();
    REQUIRE(exclusive.has_value());
    CHECK_FALSE(FileLock::tryAcquire(path, 0ms, FileLock::Mode::Shared).has_value());
    exclusive.reset();
    // Not 0 ms: the exclusive wait above that timed out after 20 ms left its helper blocked in
    // flock(); the kernel may grant it the lock now, and it drops it a moment later.
    CHECK(FileLock::tryAcquire(path, 1000ms, FileLock::Mode::Shared).has_value());
}
