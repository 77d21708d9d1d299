// install/Containerfile cannot be built in CI (no registry for its base image), so its structure
// is checked here: a Debian 12 build stage, an empty final stage that only receives the root
// filesystem install/runtime-rootfs.sh assembles (no RUN there: the image has no shell), and a
// default command that is one of the shipped binaries. tests/e2e/podman builds the same root
// filesystem from this build tree and runs the binaries in it.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "ReadText.hpp"

namespace fs = std::filesystem;
using ibvf::test::readText;

namespace {

struct Instruction {
    std::string keyword;  // upper case as written
    std::string args;
};

struct Stage {
    std::string from;  // "docker.io/library/debian:12 AS build"
    std::vector<Instruction> instructions;
};

// Comments dropped, "\" continuations joined, split into stages at each FROM.
std::vector<Stage> parseContainerfile(const std::string& text) {
    std::vector<Stage> stages;
    std::istringstream in(text);
    std::string line;
    std::string pending;
    const auto flush = [&](std::string logical) {
        const auto first = logical.find_first_not_of(" \t");
        if (first == std::string::npos) return;
        logical = logical.substr(first);
        const auto space = logical.find(' ');
        Instruction ins{logical.substr(0, space), space == std::string::npos ? "" : logical.substr(space + 1)};
        if (ins.keyword == "FROM") {
            stages.push_back({ins.args, {}});
        } else {
            REQUIRE_MESSAGE(!stages.empty(), "instruction before the first FROM: " << logical);
            stages.back().instructions.push_back(ins);
        }
    };
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t");
        if (pending.empty() && (first == std::string::npos || line[first] == '#')) continue;
        if (!line.empty() && line.back() == '\\') {
            pending += line.substr(0, line.size() - 1) + " ";
            continue;
        }
        flush(pending + line);
        pending.clear();
    }
    flush(pending);
    return stages;
}

}  // namespace

TEST_CASE("install/Containerfile: multi-stage, Debian 12 build, only binaries and libraries shipped") {
    const fs::path install = fs::path(IBVF_SOURCE_DIR) / "install";
    const auto stages = parseContainerfile(readText(install / "Containerfile"));
    REQUIRE(stages.size() == 2);

    const Stage& build = stages.front();
    CHECK(build.from.find("debian:12") != std::string::npos);
    CHECK(build.from.ends_with(" AS build"));
    std::string buildRuns;
    for (const auto& ins : build.instructions)
        if (ins.keyword == "RUN") buildRuns += ins.args + "\n";
    CHECK(buildRuns.find("install/deps.sh --build-only") != std::string::npos);
    CHECK(buildRuns.find("-DIBVF_BUILD_TESTS=OFF") != std::string::npos);
    CHECK(buildRuns.find("cmake --install") != std::string::npos);
    CHECK(buildRuns.find("install/runtime-rootfs.sh /staging /rootfs") != std::string::npos);

    const Stage& runtime = stages.back();
    CHECK(runtime.from == "scratch");
    bool copiesRootfs = false;
    for (const auto& ins : runtime.instructions) {
        INFO(ins.keyword << " " << ins.args);
        CHECK_MESSAGE(ins.keyword != "RUN", "the runtime stage has no shell to RUN with");
        if (ins.keyword == "COPY") {
            CHECK(ins.args == "--from=build /rootfs/ /");
            copiesRootfs = true;
        }
        if (ins.keyword == "CMD") CHECK(ins.args == R"(["/usr/sbin/ibvf-cni-installer"])");
    }
    CHECK(copiesRootfs);

    // The rootfs script ships every binary the manifests and the CMD run, from where the install
    // rules put them.
    const std::string rootfsScript = readText(install / "runtime-rootfs.sh");
    for (const char* path : {"usr/lib/cni/ibvf ", "usr/lib/cni/ibvf-ipam ", "usr/sbin/ibvf-device-plugin ", "usr/sbin/ibvf-cni-installer)",
                             "usr/bin/ibvf-diag"}) {
        INFO(path);
        CHECK(rootfsScript.find(path) != std::string::npos);
    }

    // Local build trees must not be sent as build context (they hold host-built binaries).
    const std::string ignore = readText(fs::path(IBVF_SOURCE_DIR) / ".containerignore");
    CHECK(ignore.find("build-*") != std::string::npos);
    CHECK(ignore.find(".git") != std::string::npos);
}
