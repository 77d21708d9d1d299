// The rotating sink writes, locks and rotates only by names relative to its directory's fd and
// never follows a symlink planted there.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "linux/Beneath.hpp"
#include "log/SharedRotatingFileSink.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("SharedRotatingFileSink: a symlink, a FIFO or a hard link as the file is refused") {
    test::ScratchDir root;
    const fs::path dir = root.path() / "log";
    fs::create_directories(dir);
    std::ofstream(root.path() / "target") << "kept\n";
    fs::create_symlink(root.path() / "target", dir / "link.log");
    REQUIRE(::mkfifo((dir / "fifo.log").c_str(), 0600) == 0);
    fs::create_hard_link(root.path() / "target", dir / "hard.log");
    for (const char* name : {"link.log", "fifo.log", "hard.log", "../target"}) {
        CAPTURE(name);
        CHECK_THROWS_AS(log::SharedRotatingFileSink(linux::openDirectory(dir.string()), name, 1024, 3), std::system_error);
    }
    CHECK(readAll(root.path() / "target") == "kept\n");
}

TEST_CASE("SharedRotatingFileSink: rotation replaces symlinks planted at the rotated names, never writes through them") {
    test::ScratchDir root;
    const fs::path dir = root.path() / "log";
    fs::create_directories(dir);
    std::ofstream(root.path() / "one") << "one\n";
    std::ofstream(root.path() / "two") << "two\n";
    fs::create_symlink(root.path() / "one", dir / "a.log.1");
    fs::create_symlink(root.path() / "two", dir / "a.log.2");
    {
        auto logger = std::make_shared<spdlog::logger>(
            "t", std::make_shared<log::SharedRotatingFileSink>(linux::openDirectory(dir.string()), "a.log", 256, 3));
        for (int i = 0; i < 40; ++i) logger->info("line {} {}", i, std::string(40, 'y'));
    }
    CHECK(readAll(root.path() / "one") == "one\n");
    CHECK(readAll(root.path() / "two") == "two\n");
    CHECK_FALSE(fs::is_symlink(dir / "a.log.2"));
    CHECK(readAll(dir / "a.log.2").find("line ") != std::string::npos);
}

TEST_CASE("SharedRotatingFileSink: a symlinked lock file is not created through; the file keeps growing instead") {
    test::ScratchDir root;
    const fs::path dir = root.path() / "log";
    fs::create_directories(dir);
    fs::create_symlink(root.path() / "made-by-lock", dir / "a.log.lock");
    {
        auto logger = std::make_shared<spdlog::logger>(
            "t", std::make_shared<log::SharedRotatingFileSink>(linux::openDirectory(dir.string()), "a.log", 256, 3));
        for (int i = 0; i < 20; ++i) logger->info("line {} {}", i, std::string(40, 'y'));
    }
    CHECK_FALSE(fs::exists(root.path() / "made-by-lock"));
    CHECK_FALSE(fs::exists(dir / "a.log.1"));
    CHECK(fs::file_size(dir / "a.log") > 256);
}
