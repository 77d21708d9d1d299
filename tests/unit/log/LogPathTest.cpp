// The log path policy: a logFile from a network config names a file inside the log directory or
// nothing (LogPath.hpp), and the set-up falls back to the default file with a warning.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include <spdlog/spdlog.h>

#include "log/LogPath.hpp"
#include "log/Logging.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
namespace fs = std::filesystem;

namespace {

std::string accepted(const std::string& configured, const std::string& dir = "/var/log/ibvf") {
    const auto d = log::confineLogPath(configured, dir);
    return d.accepted() ? d.relative : "refused: " + d.refusal;
}

std::string readAll(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// IBVF_LOG_DIR for one test.
struct LogDirEnv {
    explicit LogDirEnv(const fs::path& dir) { ::setenv("IBVF_LOG_DIR", dir.c_str(), 1); }
    ~LogDirEnv() { ::unsetenv("IBVF_LOG_DIR"); }
    LogDirEnv(const LogDirEnv&) = delete;
    LogDirEnv& operator=(const LogDirEnv&) = delete;
};

}  // namespace

TEST_CASE("logFile: a bare name or a path beneath the log directory is accepted, relative to it") {
    CHECK(accepted("ibvf.log") == "ibvf.log");
    CHECK(accepted("team-a/ibvf.log") == "team-a/ibvf.log");
    CHECK(accepted("./team-a//x.log") == "team-a/x.log");
    CHECK(accepted("/var/log/ibvf/ibvf.log") == "ibvf.log");
    CHECK(accepted("/var/log/ibvf/a/b/c/d/x.log") == "a/b/c/d/x.log");
    CHECK(accepted("/var/log/ibvf//x.log", "/var/log/ibvf/") == "x.log");
}

TEST_CASE("logFile: anything that could leave the log directory, or split a log line, is refused") {
    CHECK(accepted("/etc/sudoers.d/x") == "refused: it is outside /var/log/ibvf");
    CHECK(accepted("/var/log/ibvf-other/x.log") == "refused: it is outside /var/log/ibvf");
    CHECK(accepted("/var/log/ibvf") == "refused: it is outside /var/log/ibvf");
    CHECK(accepted("/var/log/ibvf/../../../etc/passwd") == "refused: it contains \"..\"");
    CHECK(accepted("../etc/ld.so.preload") == "refused: it contains \"..\"");
    CHECK(accepted("a/../../x") == "refused: it contains \"..\"");
    CHECK(accepted("a/..") == "refused: it contains \"..\"");
    CHECK(accepted("/var/log/ibvf/") == "refused: it names /var/log/ibvf itself, not a file in it");
    CHECK(accepted(".") == "refused: it names /var/log/ibvf itself, not a file in it");
    CHECK(accepted("sub/") == "refused: it names a directory, not a file");
    CHECK(accepted("") == "refused: it is empty");
    CHECK(accepted("x\n2026-01-01 evil.log") == "refused: it contains a control character");
    CHECK(accepted("a/b/c/d/e/x.log") == "refused: it is more than 4 directories deep");
    CHECK(accepted(std::string(256, 'n')) == "refused: a name in it is longer than 255 bytes");
    CHECK(accepted(std::string(1025, 'n')) == "refused: it is longer than 1024 bytes");
}

TEST_CASE("printable: control bytes as \\xNN, bounded") {
    CHECK(log::printable("a\nb\x7f") == "a\\x0ab\\x7f");
    CHECK(log::printable(std::string(300, 'x'), 10) == std::string(10, 'x') + "...");
}

TEST_CASE("setup: a refused logFile logs to the default file with a warning naming it, nothing outside") {
    test::ScratchDir root;
    const fs::path logDir = root.path() / "log";
    const fs::path etc = root.path() / "etc";
    fs::create_directories(etc);
    const LogDirEnv env(logDir);
    const std::string escaping = (logDir / ".." / "etc" / "sudoers.d" / "x").string();
    log::setup({"ibvf", "info", escaping, {}, /*defaultFile=*/true});
    spdlog::info("after");
    const std::string text = readAll(logDir / "ibvf.log");
    CHECK(text.find("logFile '" + escaping + "' refused (it contains \"..\")") != std::string::npos);
    CHECK(text.find(" info after") != std::string::npos);
    CHECK(fs::is_empty(etc));
}

TEST_CASE("setup: a symlink anywhere on the way is not followed; the default file is used") {
    test::ScratchDir root;
    const fs::path logDir = root.path() / "log";
    const fs::path etc = root.path() / "etc";
    fs::create_directories(etc);
    fs::create_directories(logDir);
    std::ofstream(etc / "passwd") << "root:x:0:0\n";
    fs::create_directory_symlink(etc, logDir / "d");        // a directory symlink on the way
    fs::create_symlink(etc / "passwd", logDir / "pw.log");  // the file itself a symlink
    fs::create_symlink(etc / "newfile", logDir / "dangling.log");
    const LogDirEnv env(logDir);
    for (const std::string bad : {"d/sudoers", "pw.log", "dangling.log", "d/sub/x.log"}) {
        CAPTURE(bad);
        log::setup({"ibvf", "info", bad, {}, /*defaultFile=*/true});
        spdlog::info("line for {}", bad);
        const std::string text = readAll(logDir / "ibvf.log");
        CHECK(text.find("logFile '" + bad + "' refused") != std::string::npos);
        CHECK(text.find("line for " + bad) != std::string::npos);
    }
    CHECK(readAll(etc / "passwd") == "root:x:0:0\n");
    CHECK_FALSE(fs::exists(etc / "newfile"));
    CHECK_FALSE(fs::exists(etc / "sudoers"));
    CHECK_FALSE(fs::exists(etc / "sub"));
}

TEST_CASE("setup: an accepted logFile is created with its directories inside the log directory") {
    test::ScratchDir root;
    const LogDirEnv env(root.path());
    log::setup({"ibvf", "info", "team-a/net1/ibvf.log", {}, /*defaultFile=*/true});
    spdlog::info("kept");
    CHECK(readAll(root.path() / "team-a" / "net1" / "ibvf.log").find(" info kept") != std::string::npos);
    CHECK_FALSE(fs::exists(root.path() / "ibvf.log"));
    log::setup({"ibvf", "info", (root.path() / "abs.log").string(), {}, /*defaultFile=*/true});
    spdlog::info("absolute");
    CHECK(readAll(root.path() / "abs.log").find(" info absolute") != std::string::npos);
}

TEST_CASE("setup: a crafted value in a message cannot start a new log line") {
    test::ScratchDir root;
    const LogDirEnv env(root.path());
    log::setup({"ibvf", "info", "x.log", {}, /*defaultFile=*/true});
    spdlog::info("pod {}", "p\n2026-01-01T00:00:00.000 1 ibvf info forged\r");
    const std::string text = readAll(root.path() / "x.log");
    CHECK(text.find("pod p\\x0a2026-01-01T00:00:00.000 1 ibvf info forged\\x0d\n") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
}
