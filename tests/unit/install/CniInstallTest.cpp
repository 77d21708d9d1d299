// ibvf-cni-installer: the copy is atomic (rename over, never an in-place rewrite), verified,
// idempotent, refuses what would break a node, and the binary idles until SIGTERM.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "CniInstall.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/ChildProcess.hpp"
#include "support/BinaryRunner.hpp"
#include "support/ScratchDir.hpp"

namespace fs = std::filesystem;
using ibvf::install::InstallAction;
using ibvf::install::installBinaries;
using ibvf::install::InstallError;
using ibvf::install::InstallRequest;

namespace {

void writeText(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

unsigned modeOf(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

ino_t inodeOf(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_ino;
}

struct InstallLab {
    ibvf::test::ScratchDir dir;
    fs::path src = dir / "image";
    fs::path dest = dir / "node-cni-bin";
    InstallLab() {
        fs::create_directories(src);
        fs::create_directories(dest);
        writeText(src / "ibvf", "ibvf v2");
        writeText(src / "ibvf-ipam", "ipam v2");
        writeText(src / "ibvf-ipam-etcd", "ipam-etcd v2");  // only installed by default
    }
    InstallRequest request() const { return {src, dest, {"ibvf", "ibvf-ipam"}}; }
    std::vector<std::string> destEntries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dest)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

}  // namespace

TEST_CASE("installBinaries copies each binary with mode 0755 and leaves no temporary file") {
    InstallLab lab;
    writeText(lab.dest / "host-local", "someone else's");
    const auto outcomes = installBinaries(lab.request());
    REQUIRE(outcomes.size() == 2);
    CHECK(outcomes[0].action == InstallAction::Copied);
    CHECK(outcomes[0].bytes == 7);
    CHECK(ibvf::linux::readFile(lab.dest / "ibvf") == "ibvf v2");
    CHECK(ibvf::linux::readFile(lab.dest / "ibvf-ipam") == "ipam v2");
    CHECK(modeOf(lab.dest / "ibvf") == 0755);
    CHECK(lab.destEntries() == std::vector<std::string>{"host-local", "ibvf", "ibvf-ipam"});
}

TEST_CASE("an old binary is replaced by rename: a runtime holding it open keeps reading the old file whole") {
    InstallLab lab;
    writeText(lab.dest / "ibvf", "ibvf v1, a longer old version");
    const ino_t before = inodeOf(lab.dest / "ibvf");
    std::ifstream heldOpen(lab.dest / "ibvf", std::ios::binary);

    installBinaries(lab.request());

    std::string old((std::istreambuf_iterator<char>(heldOpen)), std::istreambuf_iterator<char>());
    CHECK(old == "ibvf v1, a longer old version");
    CHECK(inodeOf(lab.dest / "ibvf") != before);
    CHECK(ibvf::linux::readFile(lab.dest / "ibvf") == "ibvf v2");
}

TEST_CASE("a second run leaves current binaries alone, and fixes a wrong mode or content") {
    InstallLab lab;
    installBinaries(lab.request());
    const ino_t first = inodeOf(lab.dest / "ibvf");
    auto again = installBinaries(lab.request());
    CHECK(again[0].action == InstallAction::AlreadyCurrent);
    CHECK(again[1].action == InstallAction::AlreadyCurrent);
    CHECK(inodeOf(lab.dest / "ibvf") == first);

    fs::permissions(lab.dest / "ibvf", fs::perms::owner_read | fs::perms::owner_write);
    writeText(lab.dest / "ibvf-ipam", "ipam v1");
    again = installBinaries(lab.request());
    CHECK(again[0].action == InstallAction::Copied);
    CHECK(again[1].action == InstallAction::Copied);
    CHECK(modeOf(lab.dest / "ibvf") == 0755);
    CHECK(ibvf::linux::readFile(lab.dest / "ibvf-ipam") == "ipam v2");
}

TEST_CASE("installBinaries refuses what would break the node, naming the binary and the paths") {
    InstallLab lab;
    auto request = lab.request();
    SUBCASE("missing destination directory (a wrong hostPath)") {
        request.destDir = lab.dir / "no-such-dir";
        CHECK_THROWS_WITH_AS(installBinaries(request), doctest::Contains("no-such-dir"), InstallError);
    }
    SUBCASE("a binary the image does not have: nothing after it is installed either") {
        request.binaries = {"ibvf-ipam", "ibvf-missing", "ibvf"};
        CHECK_THROWS_WITH_AS(installBinaries(request), doctest::Contains("image/ibvf-missing"), InstallError);
        CHECK(lab.destEntries() == std::vector<std::string>{"ibvf-ipam"});
    }
    SUBCASE("an empty source file") {
        writeText(lab.src / "ibvf", "");
        CHECK_THROWS_WITH_AS(installBinaries(request), doctest::Contains("is empty"), InstallError);
        CHECK(lab.destEntries().empty());
    }
    SUBCASE("a name that is a path") {
        request.binaries = {"../ibvf"};
        CHECK_THROWS_AS(installBinaries(request), InstallError);
    }
    SUBCASE("nothing named") {
        request.binaries.clear();
        CHECK_THROWS_AS(installBinaries(request), InstallError);
    }
}

bool isRunning(pid_t pid) {
    // A zombie (exited, not reaped) still answers kill(pid, 0): read its state instead.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST_CASE("ibvf-cni-installer installs, stays running, and exits 0 on SIGTERM") {
    InstallLab lab;
    const std::string bin = ibvf::test::builtBinary("ibvf-cni-installer");
    const std::vector<std::string> args{"--source-dir", lab.src.string(), "--dest-dir", lab.dest.string(), "ibvf", "ibvf-ipam"};
    auto child = ibvf::linux::ChildProcess::spawn(bin, args, {}, "");

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const std::vector<std::string> expected{"ibvf", "ibvf-ipam"};
    // While it copies, a temporary name is listed too; wait for exactly the final names.
    while (lab.destEntries() != expected && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto installed = lab.destEntries();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const bool running = isRunning(child.pid());
    REQUIRE(::kill(child.pid(), SIGTERM) == 0);
    const auto result = child.wait();
    INFO("installer stderr: " << result.err);
    CHECK(installed == expected);
    CHECK_MESSAGE(running, "the installer exited after installing; a DaemonSet would restart it forever");
    CHECK(result.exitCode == 0);
    CHECK(result.err.find("already current") == std::string::npos);
    CHECK(result.err.find("installed") != std::string::npos);
}

TEST_CASE("ibvf-cni-installer: a failed install exits 1 with the reason, bad usage exits 2") {
    InstallLab lab;
    const std::string bin = ibvf::test::builtBinary("ibvf-cni-installer");
    // The defaults point at the container's mount, which a build machine does not have.
    const auto defaults = ibvf::linux::ChildProcess::spawn(bin, {"--source-dir", lab.src.string()}, {}, "").wait();
    CHECK(defaults.exitCode == 1);
    CHECK(defaults.err.find("/host/opt/cni/bin") != std::string::npos);
    const auto once =
        ibvf::linux::ChildProcess::spawn(bin, {"--once", "--source-dir", lab.src.string(), "--dest-dir", lab.dest.string()}, {}, "").wait();
    CHECK(once.exitCode == 0);
    CHECK(lab.destEntries() == std::vector<std::string>{"ibvf", "ibvf-ipam", "ibvf-ipam-etcd"});
    CHECK(ibvf::linux::ChildProcess::spawn(bin, {"--bogus"}, {}, "").wait().exitCode == 2);
}
