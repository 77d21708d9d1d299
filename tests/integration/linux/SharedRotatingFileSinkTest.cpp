// Many processes appending to one log file while it rotates: every line survives exactly once,
// whole, and the files stay bounded.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "linux/Beneath.hpp"
#include "log/SharedRotatingFileSink.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;

TEST_CASE("SharedRotatingFileSink: 8 processes, small files, no line lost or torn") {
    test::ScratchDir dir;
    constexpr int kProcs = 8;
    constexpr int kLines = 400;
    constexpr std::size_t kMax = 16 * 1024;
    constexpr unsigned kKeep = 1000;  // keep everything, so every line can be counted
    for (int p = 0; p < kProcs; ++p) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            auto logger = std::make_shared<spdlog::logger>(
                "t", std::make_shared<log::SharedRotatingFileSink>(linux::openDirectory(dir.path()), "ibvf.log", kMax, kKeep));
            logger->set_pattern("%v");
            for (int i = 0; i < kLines; ++i) logger->info("proc {} line {} {}", p, i, std::string(40, 'x'));
            ::_exit(0);
        }
    }
    for (int p = 0; p < kProcs; ++p) {
        int status = 0;
        ::wait(&status);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    std::map<std::string, int> seen;
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        const auto name = entry.path().filename().string();
        if (name.rfind("ibvf.log", 0) != 0 || name == "ibvf.log.lock") continue;
        ++files;
        // A rotated file overshoots the limit by at most the lines written while it rotated.
        CHECK_MESSAGE(std::filesystem::file_size(entry.path()) < kMax + kProcs * 128, name);
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) {
            CHECK_MESSAGE(line.size() == line.find(" x") + 41, "torn line: " << line);
            ++seen[line];
        }
    }
    CHECK(files > 2);
    CHECK(seen.size() == static_cast<std::size_t>(kProcs * kLines));
    for (const auto& [line, count] : seen) CHECK_MESSAGE(count == 1, line);
}

TEST_CASE("SharedRotatingFileSink keeps at most `keep` old files") {
    test::ScratchDir dir;
    const auto path = dir.path() / "a.log";
    auto logger = std::make_shared<spdlog::logger>(
        "t", std::make_shared<log::SharedRotatingFileSink>(linux::openDirectory(dir.path()), "a.log", 1024, 3));
    for (int i = 0; i < 500; ++i) logger->info("line {} {}", i, std::string(50, 'y'));
    CHECK(std::filesystem::exists(dir.path() / "a.log.3"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "a.log.4"));
    CHECK(std::filesystem::file_size(path) <= 1024 + 200);
}
