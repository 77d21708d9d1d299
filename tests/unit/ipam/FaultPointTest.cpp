// Kills a child process at every named fault point of every store operation and checks that what is
// left on disk keeps the store's invariants and that DEL, GC and a repeated ADD each finish the
// job from there.
#include <signal.h>
#include <unistd.h>

#include <functional>
#include <set>

#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/FaultPoints.hpp"
#include "ipam/LeaseStore.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

Range range(std::string subnet) { return makeRange(RangeSpec{std::move(subnet), {}, {}, {}}, "r"); }

const std::vector<RangeSet> kDual{{range("10.1.2.0/24")}, {range("fd00::/120")}};
const AttachmentKey kVictim{"victim", "net1"};

// Child-side state: which occurrence of which point to die at, or record mode.
std::string g_killPoint;
int g_killOccurrence = 0;
int g_seen = 0;
int g_recordFd = -1;

void killingHook(std::string_view point) {
    if (point == g_killPoint && ++g_seen == g_killOccurrence) ::raise(SIGKILL);
}

void recordingHook(std::string_view point) {
    std::string line(point);
    line += '\n';
    (void)!::write(g_recordFd, line.data(), line.size());
}

struct Scenario {
    const char* name;
    std::function<void(LeaseStore&)> setUp;      // in the parent, before the operation
    std::function<void(LeaseStore&)> operation;  // in the child
};

// Other attachments that must come through every crash untouched.
void populateBystanders(LeaseStore& store) {
    for (int i = 0; i < 3; ++i) store.allocate({numbered("bystander", i), "net1"}, kDual, {}, {});
}

std::vector<Scenario> scenarios() {
    return {
        {"fresh dual-stack ADD", populateBystanders, [](LeaseStore& s) { s.allocate(kVictim, kDual, {}, {}); }},
        {"re-ADD moving to a requested address",
         [](LeaseStore& s) {
             populateBystanders(s);
             s.allocate(kVictim, kDual, {}, {});
         },
         [](LeaseStore& s) {
             s.allocate(kVictim, kDual, {}, {ip("10.1.2.200"), ip("fd00::c8")});
         }},
        {"DEL",
         [](LeaseStore& s) {
             populateBystanders(s);
             s.allocate(kVictim, kDual, {}, {});
         },
         [](LeaseStore& s) { s.release(kVictim); }},
        {"GC",
         [](LeaseStore& s) {
             populateBystanders(s);
             s.allocate(kVictim, kDual, {}, {});
             const fs::path dir = s.location().dir;
             fs::create_symlink("ghost net1 1700000000", dir / "leases" / "10.1.2.250");
             fs::create_symlink("10.1.2.9", dir / ".pending");
         },
         [](LeaseStore& s) {
             s.releaseAllExcept({{"bystander0", "net1"}, {"bystander1", "net1"}, {"bystander2", "net1"}});
         }},
    };
}

// The fault points the operation passes, in order, from a child run without killing.
std::vector<std::string> recordPoints(const Scenario& sc, const fs::path& root) {
    LeaseStore store(locationIn(root));
    sc.setUp(store);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const int status = runInChild([&] {
        ::close(fds[0]);
        g_recordFd = fds[1];
        fault::setHook(recordingHook);
        sc.operation(store);
        return 0;
    });
    ::close(fds[1]);
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    REQUIRE(exitedWith(status, 0));
    std::vector<std::string> points;
    std::size_t i = 0;
    while (i < all.size()) {
        const auto nl = all.find('\n', i);
        points.push_back(all.substr(i, nl - i));
        i = nl + 1;
    }
    return points;
}

void checkBystanders(const RawStore& raw) {
    for (int i = 0; i < 3; ++i) {
        CHECK(raw.addressesOf(numbered("bystander", i), "net1").size() == 2);
    }
}

// Copies a store directory (symlinks as symlinks) so that several recoveries start from the
// same crashed state.
void copyStore(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

}  // namespace

TEST_CASE("a kill -9 at any fault point leaves a store that DEL, GC and re-ADD recover") {
    std::set<std::string> covered;
    for (const Scenario& sc : scenarios()) {
        TempDir recordRoot;
        const auto points = recordPoints(sc, recordRoot.path());
        REQUIRE_FALSE(points.empty());
        std::map<std::string, int> occurrences;
        for (const auto& point : points) {
            const int occurrence = ++occurrences[point];
            covered.insert(point);
            const std::string scenario = sc.name;
            CAPTURE(scenario);
            CAPTURE(point);
            CAPTURE(occurrence);

            TempDir root;
            LeaseStore store(locationIn(root.path()));
            sc.setUp(store);
            const int status = runInChild([&] {
                g_killPoint = point;
                g_killOccurrence = occurrence;
                g_seen = 0;
                fault::setHook(killingHook);
                sc.operation(store);
                return 0;
            });
            REQUIRE(killedBySigkill(status));

            const fs::path dir = store.location().dir;
            const auto crashed = RawStore::read(dir);
            crashed.checkInvariants({"ghost"});
            checkBystanders(crashed);

            // Recovery 1: DEL of the victim releases everything it holds.
            {
                const fs::path copy = root.path() / "copy-del" / "ibvf-ipam" / "net";
                copyStore(dir, copy);
                LeaseStore s(locationIn(root.path() / "copy-del"));
                s.release(kVictim);
                const auto raw = RawStore::read(copy);
                raw.checkInvariants({"ghost"});
                checkBystanders(raw);
                CHECK(raw.addressesOf(kVictim.containerId, kVictim.ifname).empty());
                CHECK(raw.indexes.count("victim:net1") == 0);
            }
            // Recovery 2: GC keeping only the bystanders.
            {
                const fs::path copy = root.path() / "copy-gc" / "ibvf-ipam" / "net";
                copyStore(dir, copy);
                LeaseStore s(locationIn(root.path() / "copy-gc"));
                s.releaseAllExcept({{"bystander0", "net1"}, {"bystander1", "net1"}, {"bystander2", "net1"}});
                const auto raw = RawStore::read(copy);
                raw.checkInvariants();
                checkBystanders(raw);
                CHECK(raw.leases.size() == 6);
                CHECK(raw.indexes.size() == 3);
                CHECK_FALSE(raw.pending);
            }
            // Recovery 3: the runtime retries the ADD; then the victim holds exactly one address
            // per set, listed exactly in its index, distinct from everyone else's.
            {
                const fs::path copy = root.path() / "copy-add" / "ibvf-ipam" / "net";
                copyStore(dir, copy);
                LeaseStore s(locationIn(root.path() / "copy-add"));
                const auto got = s.allocate(kVictim, kDual, {}, {});
                REQUIRE(got.size() == 2);
                const auto raw = RawStore::read(copy);
                raw.checkInvariants({"ghost"});
                checkBystanders(raw);
                auto held = raw.addressesOf(kVictim.containerId, kVictim.ifname);
                std::vector<std::string> gotText{got[0].toString(), got[1].toString()};
                std::sort(held.begin(), held.end());
                std::sort(gotText.begin(), gotText.end());
                CHECK(held == gotText);
                auto indexed = raw.indexes.at("victim:net1");
                std::sort(indexed.begin(), indexed.end());
                CHECK(indexed == gotText);
                // And the state is fully usable: one more attachment gets fresh addresses.
                const auto next = s.allocate({"newcomer", "net1"}, kDual, {}, {});
                CHECK(std::find(got.begin(), got.end(), next[0]) == got.end());
                RawStore::read(copy).checkInvariants({"ghost"});
            }
        }
    }
    // Every named point was killed at least once.
    for (const auto point : faults::kPoints) {
        CHECK_MESSAGE(covered.count(std::string(point)), "point never reached: " << point);
    }
}
