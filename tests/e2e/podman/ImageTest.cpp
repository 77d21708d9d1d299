// The image's runtime stage, built from this build tree: `cmake --install` into a staging
// directory, install/runtime-rootfs.sh (what install/Containerfile runs) assembles the root
// filesystem, podman imports it. In it every binary starts (its shared libraries are all there),
// there is no shell, and the default command installs ibvf and ibvf-ipam into a mounted
// directory, keeps running, and exits 0 on `podman stop`.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "PodmanLab.hpp"
#include "linux/AtomicFile.hpp"
#include "support/BinaryRunner.hpp"
#include "support/TestNet.hpp"

namespace fs = std::filesystem;
using ibvf::linux::ChildProcess;
using ibvf::test::describe;
using ibvf::test::PodmanLab;

namespace {

constexpr const char* kPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

// The runtime root filesystem, assembled once for the test cases of this binary.
fs::path buildRootfs(const fs::path& work) {
    const fs::path staging = work / "staging";
    const fs::path rootfs = work / "rootfs";
    const auto installed =
        ChildProcess::spawn("/usr/bin/cmake", {"--install", IBVF_BUILD_DIR, "--prefix", "/usr"}, {kPath, "DESTDIR=" + staging.string()}, "")
            .wait();
    REQUIRE_MESSAGE(installed.exitCode == 0, "cmake --install: " << describe(installed));
    const auto assembled =
        ChildProcess::spawn(std::string(IBVF_SOURCE_DIR) + "/install/runtime-rootfs.sh", {staging.string(), rootfs.string()}, {kPath}, "")
            .wait();
    REQUIRE_MESSAGE(assembled.exitCode == 0, "runtime-rootfs.sh: " << describe(assembled));
    return rootfs;
}

}  // namespace

TEST_CASE("image: the runtime root filesystem holds the binaries and their libraries, and they run") {
    PodmanLab podman({});
    const fs::path rootfs = buildRootfs(podman.dir());
    const std::string image = "localhost/ibvf-e2e:" + ibvf::test::uniqueName("i");

    // Only binaries and libraries: no shell, no docs, examples or manifests.
    CHECK_FALSE(fs::exists(rootfs / "bin" / "sh"));
    CHECK_FALSE(fs::exists(rootfs / "usr" / "share"));
    for (const char* bin : {"usr/lib/cni/ibvf", "usr/lib/cni/ibvf-ipam", "usr/lib/cni/ibvf-ipam-etcd", "usr/sbin/ibvf-device-plugin",
                            "usr/sbin/ibvf-cni-installer"}) {
        INFO(bin);
        CHECK(fs::exists(rootfs / bin));
    }
    // The CMD install/Containerfile gives the image (tests/unit/install checks it says this).
    podman.importRootfs(rootfs, image, {R"(CMD ["/usr/sbin/ibvf-cni-installer"])"});
    const std::vector<std::string> run{"run", "--rm", "--pull", "never", "--network", "none"};

    // The device plugin is the one with shared libraries (gRPC, protobuf): it must start.
    auto args = run;
    args.insert(args.end(), {image, "/usr/sbin/ibvf-device-plugin", "--help"});
    const auto help = podman.run(args);
    CHECK_MESSAGE(help.exitCode == 0, describe(help));
    CHECK(help.out.find("usage: ibvf-device-plugin") != std::string::npos);

    args = run;
    args.insert(args.end(), {"--env", "CNI_COMMAND=VERSION", image, "/usr/lib/cni/ibvf"});
    const auto version = podman.run(args);
    CHECK_MESSAGE(version.exitCode == 0, describe(version));
    CHECK(version.out.find("supportedVersions") != std::string::npos);

    if (fs::exists(rootfs / "usr/bin/ibvf-diag")) {
        args = run;
        args.insert(args.end(), {image, "/usr/bin/ibvf-diag", "--help"});
        const auto diag = podman.run(args);
        CHECK_MESSAGE(diag.exitCode == 0, describe(diag));
    }

    args = run;
    args.insert(args.end(), {image, "/bin/sh", "-c", "true"});
    CHECK(podman.run(args).exitCode != 0);

    {
        // The default command installs the CNI binaries, stays up, and stops cleanly.
        const fs::path nodeCniBin = podman.dir() / "node-opt-cni-bin";
        fs::create_directories(nodeCniBin);
        const std::string name = ibvf::test::uniqueName("ibvfi");
        const auto started = podman.run({"run", "--detach", "--pull", "never", "--network", "none", "--name", name, "--volume",
                                         nodeCniBin.string() + ":/host/opt/cni/bin", image});
        REQUIRE_MESSAGE(started.exitCode == 0, describe(started));

        const auto same = [&](const char* bin) {
            return ibvf::linux::readFile(nodeCniBin / bin) == ibvf::linux::readFile(ibvf::test::builtBinary(bin));
        };
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!(same("ibvf") && same("ibvf-ipam") && same("ibvf-ipam-etcd")) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CHECK(same("ibvf"));
        CHECK(same("ibvf-ipam"));
        CHECK(same("ibvf-ipam-etcd"));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const auto state = podman.run({"inspect", "--format", "{{.State.Running}}", name});
        CHECK(state.out == "true\n");

        const auto stopped = podman.run({"stop", "--time", "10", name});
        CHECK_MESSAGE(stopped.exitCode == 0, describe(stopped));
        const auto exit = podman.run({"inspect", "--format", "{{.State.ExitCode}}", name});
        CHECK_MESSAGE(exit.out == "0\n", "exit code after SIGTERM: " << exit.out);
        const auto logs = podman.run({"logs", name});
        CHECK(logs.err.find("waiting for SIGTERM") != std::string::npos);
    }
}
