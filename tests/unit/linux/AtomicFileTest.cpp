#include <doctest/doctest.h>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ForkedChild.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"
#include "support/ScratchDir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ibvf::linux::createFileAtomic;
using ibvf::linux::exchangeFiles;
using ibvf::linux::isAtomicTempFileName;
using ibvf::linux::KernelError;
using ibvf::linux::makeDirectories;
using ibvf::linux::readFile;
using ibvf::linux::removeFile;
using ibvf::linux::removeStaleTempFiles;
using ibvf::linux::writeFileAtomic;
using ibvf::test::ForkedChild;
using ibvf::test::Pipe;
using ibvf::test::ScratchDir;

namespace {

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<fs::path> tempFiles(const fs::path& dir) {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (isAtomicTempFileName(e.path().filename().string())) found.push_back(e.path());
    }
    return found;
}

unsigned modeOf(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777U;
}

// Restores the umask a test changed.
struct UmaskScope {
    mode_t saved;
    explicit UmaskScope(mode_t m) : saved(::umask(m)) {}
    ~UmaskScope() { ::umask(saved); }
};

}  // namespace

TEST_CASE("writeFileAtomic creates and replaces content and leaves no temp files") {
    ScratchDir dir;
    const fs::path path = dir / "state.json";
    writeFileAtomic(path, "{\"v\":1}");
    CHECK(readFile(path) == "{\"v\":1}");
    CHECK(modeOf(path) == 0600U);
    writeFileAtomic(path, "{\"v\":2,\"longer\":true}");
    CHECK(readFile(path) == "{\"v\":2,\"longer\":true}");
    writeFileAtomic(path, "");
    CHECK(readFile(path) == "");
    CHECK(entries(dir.path()) == std::vector<std::string>{"state.json"});
}

TEST_CASE("writeFileAtomic without fsync still replaces whole files and leaves no temp files") {
    ScratchDir dir;
    const fs::path path = dir / "attachment.json";
    writeFileAtomic(path, "old", 0600, ibvf::linux::Durability::CrashSafe);
    CHECK(readFile(path) == "old");
    writeFileAtomic(path, "new content", 0640, ibvf::linux::Durability::CrashSafe);
    CHECK(readFile(path) == "new content");
    CHECK(modeOf(path) == 0640U);
    CHECK(entries(dir.path()) == std::vector<std::string>{"attachment.json"});
    // A failed write (no such directory) names the path and creates nothing.
    CHECK_THROWS_WITH_AS(writeFileAtomic(dir / "missing" / "x", "y", 0600, ibvf::linux::Durability::CrashSafe),
                         doctest::Contains("missing"), KernelError);
}

TEST_CASE("exchangeFiles swaps two names in one step, and changes nothing when one is missing") {
    ScratchDir dir;
    writeFileAtomic(dir / "a", "A");
    writeFileAtomic(dir / "b", "B");
    REQUIRE(exchangeFiles(dir / "a", dir / "b"));
    CHECK(readFile(dir / "a") == "B");
    CHECK(readFile(dir / "b") == "A");
    CHECK_FALSE(exchangeFiles(dir / "a", dir / "missing"));
    CHECK(readFile(dir / "a") == "B");
    CHECK(entries(dir.path()) == std::vector<std::string>{"a", "b"});
}

// ext4 writes out at once a file renamed over another, and a later unlink of it waits for the
// disk; so the old content must leave by an unlink of its own after a swap, never by a rename over it.
TEST_CASE("a CrashSafe replace swaps the new content in and then removes the old, instead of renaming over it") {
    ScratchDir dir;
    const fs::path path = dir / "attachment.json";
    writeFileAtomic(path, "old", 0600, ibvf::linux::Durability::CrashSafe);
    const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(watch >= 0);
    REQUIRE(::inotify_add_watch(watch, dir.path().c_str(), IN_DELETE | IN_MOVED_TO) >= 0);
    writeFileAtomic(path, "new", 0600, ibvf::linux::Durability::CrashSafe);
    alignas(inotify_event) char buf[4096];
    const ssize_t n = ::read(watch, buf, sizeof buf);
    ::close(watch);
    REQUIRE(n > 0);
    std::vector<std::string> deleted;
    int movedToTarget = 0;
    for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
        const std::string name = ev->len ? ev->name : "";
        if ((ev->mask & IN_DELETE) != 0U) deleted.push_back(name);
        if ((ev->mask & IN_MOVED_TO) != 0U && name == "attachment.json") ++movedToTarget;
        at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
    CHECK(readFile(path) == "new");
    CHECK(movedToTarget == 1);
    REQUIRE(deleted.size() == 1);
    CHECK(isAtomicTempFileName(deleted.front()));
    CHECK(entries(dir.path()) == std::vector<std::string>{"attachment.json"});
    // A directory in the way is left in place, as a rename over it would leave it.
    fs::create_directory(dir / "busy");
    CHECK_THROWS_AS(writeFileAtomic(dir / "busy", "x", 0600, ibvf::linux::Durability::CrashSafe), KernelError);
    CHECK(fs::is_directory(dir / "busy"));
    CHECK(entries(dir.path()) == std::vector<std::string>{"attachment.json", "busy"});
}

TEST_CASE("createFileAtomic writes only a name that does not exist yet, and leaves no temp files") {
    ScratchDir dir;
    const fs::path path = dir / "cid:net1.json";
    CHECK(createFileAtomic(path, "first", 0600, ibvf::linux::Durability::CrashSafe));
    CHECK_FALSE(createFileAtomic(path, "second", 0600, ibvf::linux::Durability::CrashSafe));
    CHECK(readFile(path) == "first");
    CHECK(entries(dir.path()) == std::vector<std::string>{"cid:net1.json"});
    // Racing creators: exactly one wins.
    const fs::path raced = dir / "raced";
    std::vector<std::thread> threads;
    std::atomic<int> wins{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            if (createFileAtomic(raced, std::to_string(i), 0600, ibvf::linux::Durability::CrashSafe)) ++wins;
        });
    }
    for (auto& t : threads) t.join();
    CHECK(wins == 1);
    CHECK(entries(dir.path()) == std::vector<std::string>{"cid:net1.json", "raced"});
}

TEST_CASE("writeFileAtomic gives the file exactly the requested mode whatever the umask") {
    ScratchDir dir;
    const UmaskScope umask(077);
    writeFileAtomic(dir / "a", "x", 0644);
    CHECK(modeOf(dir / "a") == 0644U);
    writeFileAtomic(dir / "a", "y", 0600);
    CHECK(modeOf(dir / "a") == 0600U);
}

TEST_CASE("readFile and removeFile") {
    ScratchDir dir;
    CHECK(readFile(dir / "missing") == std::nullopt);
    const std::string binary("a\0b\nc", 5);
    writeFileAtomic(dir / "f", binary);
    CHECK(readFile(dir / "f") == binary);
    const std::string big(1 << 20, 'z');
    writeFileAtomic(dir / "big", big);
    CHECK(readFile(dir / "big") == big);

    CHECK(removeFile(dir / "f"));
    CHECK_FALSE(removeFile(dir / "f"));
    CHECK(readFile(dir / "f") == std::nullopt);

    try {
        readFile(dir.path());  // a directory: open works, read fails with EISDIR
        FAIL("no error");
    } catch (const KernelError& e) {
        CHECK(e.err() == EISDIR);
        CHECK(std::string(e.what()).find(dir.path().string()) != std::string::npos);
    }
}

TEST_CASE("a failed writeFileAtomic names the path and removes its temp file") {
    ScratchDir dir;
    SUBCASE("missing directory") {
        try {
            writeFileAtomic(dir / "nodir/state", "x");
            FAIL("no error");
        } catch (const KernelError& e) {
            CHECK(e.err() == ENOENT);
            CHECK(std::string(e.what()).find((dir / "nodir/state").string()) != std::string::npos);
        }
    }
    SUBCASE("rename fails: the target is a non-empty directory") {
        fs::create_directories(dir / "target/inner");
        try {
            writeFileAtomic(dir / "target", "x");
            FAIL("no error");
        } catch (const KernelError& e) {
            CHECK(e.err() == EISDIR);
            CHECK(std::string(e.what()).find((dir / "target").string()) != std::string::npos);
        }
        CHECK(tempFiles(dir.path()).empty());
        CHECK(entries(dir.path()) == std::vector<std::string>{"target"});
    }
}

TEST_CASE("temp file names are recognised, and only dead writers' temp files are removed") {
    CHECK(isAtomicTempFileName("state.json.tmp.1234.0"));
    CHECK(isAtomicTempFileName("a.tmp.1.17"));
    CHECK(isAtomicTempFileName("x.tmp.2.3.tmp.4.5"));
    CHECK_FALSE(isAtomicTempFileName("state.json"));
    CHECK_FALSE(isAtomicTempFileName(".tmp.1.2"));
    CHECK_FALSE(isAtomicTempFileName("a.tmp.1"));
    CHECK_FALSE(isAtomicTempFileName("a.tmp.1."));
    CHECK_FALSE(isAtomicTempFileName("a.tmp.x.1"));
    CHECK_FALSE(isAtomicTempFileName("a.tmp.1.2a"));
    CHECK_FALSE(isAtomicTempFileName("a.tmp"));

    ScratchDir dir;
    // A pid that certainly no longer exists: a child we reaped.
    ForkedChild gone([] { return 0; });
    const pid_t deadPid = gone.pid();
    gone.wait();
    const std::string dead = "state.tmp." + std::to_string(deadPid) + ".0";
    const std::string alive = "state.tmp." + std::to_string(::getpid()) + ".0";
    for (const auto& name : {dead, alive, std::string("state"), std::string("other.tmp.99999999999999999999.1")}) {
        std::ofstream(dir / name) << "x";
    }
    CHECK(removeStaleTempFiles(dir.path()) == 1);
    CHECK(entries(dir.path()) == std::vector<std::string>{"other.tmp.99999999999999999999.1", "state", alive});
    CHECK(removeStaleTempFiles(dir / "missing") == 0);
}

TEST_CASE("makeDirectories creates every missing level with the given mode") {
    ScratchDir dir;
    const UmaskScope umask(022);
    makeDirectories(dir / "a/b/c", 0700);
    CHECK(fs::is_directory(dir / "a/b/c"));
    CHECK(modeOf(dir / "a") == 0700U);
    CHECK(modeOf(dir / "a/b/c") == 0700U);
    makeDirectories(dir / "a/b/c/", 0700);  // exists: fine
    makeDirectories(dir / "a/b/d", 0750);
    CHECK(modeOf(dir / "a/b/d") == 0750U);
    CHECK(modeOf(dir / "a/b") == 0700U);  // existing levels keep theirs

    std::ofstream(dir / "file") << "x";
    try {
        makeDirectories(dir / "file/sub");
        FAIL("no error");
    } catch (const KernelError& e) {
        CHECK(e.err() == ENOTDIR);
        CHECK(std::string(e.what()).find((dir / "file").string()) != std::string::npos);
    }
    // A file where the directory should be is an error, not a directory that exists.
    CHECK_THROWS_AS(makeDirectories(dir / "file"), KernelError);
}

TEST_CASE("a writer killed mid-way leaves the old content or the new, never a mix") {
    ScratchDir dir;
    const fs::path path = dir / "state";
    const std::string oldContent = "old content\n";
    // Large enough that write + fsync take many milliseconds, so kills land inside them.
    const std::string newContent(24U << 20, 'n');
    bool sawPartialTemp = false;
    int sawOld = 0;
    int sawNew = 0;
    for (const int delayUs : {0, 250, 500, 1000, 2000, 3000, 5000, 8000, 12000, 20000, 40000, 100000, 300000}) {
        CAPTURE(delayUs);
        writeFileAtomic(path, oldContent);
        Pipe started;
        ForkedChild writer([&] {
            started.send(char{1});
            writeFileAtomic(path, newContent);
            return 0;
        });
        char byte = 0;
        REQUIRE(started.receive(byte));
        std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
        writer.kill(SIGKILL);
        writer.wait();

        const auto content = readFile(path);
        REQUIRE(content.has_value());
        const bool isOld = *content == oldContent;
        const bool isNew = *content == newContent;
        CHECK_MESSAGE((isOld || isNew), "content is a mix, size " << content->size());
        sawOld += isOld ? 1 : 0;
        sawNew += isNew ? 1 : 0;
        // A SIGKILLed writer cannot clean up; its partial temp file proves the kill landed
        // between the first write and the rename.
        const auto temps = tempFiles(dir.path());
        for (const auto& temp : temps) {
            const auto size = fs::file_size(temp);
            if (isOld && size > 0 && size < newContent.size()) sawPartialTemp = true;
        }
        CHECK(removeStaleTempFiles(dir.path()) == temps.size());
        CHECK(tempFiles(dir.path()).empty());
    }
    CHECK(sawOld > 0);
    CHECK(sawPartialTemp);
    MESSAGE("old " << sawOld << ", new " << sawNew);
}

namespace {

void concurrentWritersAndReader(ibvf::linux::Durability durability) {
    ScratchDir dir;
    const fs::path path = dir / "state";
    const std::string a(256 * 1024, 'a');
    const std::string b(128 * 1024, 'b');
    writeFileAtomic(path, a);
    ForkedChild writerA([&] {
        for (int i = 0; i < 40; ++i) writeFileAtomic(path, a, 0600, durability);
        return 0;
    });
    ForkedChild writerB([&] {
        for (int i = 0; i < 40; ++i) writeFileAtomic(path, b, 0600, durability);
        return 0;
    });
    int reads = 0;
    int bad = 0;
    std::optional<int> statusA;
    std::optional<int> statusB;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while ((!statusA || !statusB) && std::chrono::steady_clock::now() < until) {
        const auto content = readFile(path);
        ++reads;
        if (!content || (*content != a && *content != b)) ++bad;
        if (!statusA) statusA = writerA.tryWait();
        if (!statusB) statusB = writerB.tryWait();
    }
    CHECK(bad == 0);
    CHECK(reads > 1);
    // Exit code 0: no writer hit an exception (e.g. two sharing one temp name).
    REQUIRE(statusA.has_value());
    REQUIRE(statusB.has_value());
    CHECK((WIFEXITED(*statusA) && WEXITSTATUS(*statusA) == 0));
    CHECK((WIFEXITED(*statusB) && WEXITSTATUS(*statusB) == 0));
    CHECK(tempFiles(dir.path()).empty());
}

}  // namespace

TEST_CASE("concurrent writers and a reader: every read is one whole version") {
    // Durable renames over the file; CrashSafe swaps it in (exchangeFiles) and removes the old one.
    SUBCASE("durable") { concurrentWritersAndReader(ibvf::linux::Durability::Durable); }
    SUBCASE("crash-safe") { concurrentWritersAndReader(ibvf::linux::Durability::CrashSafe); }
}
