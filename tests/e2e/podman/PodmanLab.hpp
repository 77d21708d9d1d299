#pragma once
// A private podman (Debian's 4.3, CNI network backend, runc) for end-to-end tests: its own
// containers.conf, storage, run and temp directories and CNI config directory in a scratch
// directory, so the host's podman set-up is neither used nor changed, and everything goes with
// the scratch directory. Every program is exec'd directly (lib/linux ChildProcess), no shell.
//
// The test-only IBVF_* overrides reach the plugin through the environment only: podman hands its
// own environment to CNI plugins on ADD, and conmon (which runs the container's clean-up, and with
// it the CNI DEL) gets them from `conmon_env_vars` in the private containers.conf.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "linux/ChildProcess.hpp"
#include "support/ScratchDir.hpp"

namespace ibvf::test {

// A root filesystem with busybox-static as /bin/busybox and the applets the tests use, imported
// with `podman import` (no registry).
inline constexpr const char* kBusyboxImage = "localhost/ibvf-e2e-busybox:latest";

class PodmanLab {
public:
    // `ibvfEnv`: IBVF_* variables for the plugin (e.g. PluginLab::env()'s). Fails the test (throws)
    // when podman, runc, conmon or busybox-static is missing: install/deps.sh installs them.
    explicit PodmanLab(std::map<std::string, std::string> ibvfEnv);
    ~PodmanLab();  // removes every container of this lab (their networks torn down), then the files
    PodmanLab(const PodmanLab&) = delete;
    PodmanLab& operator=(const PodmanLab&) = delete;

    // `podman <global flags> <args>` to completion.
    linux::ProcessResult run(const std::vector<std::string>& args) const;
    // The same, left running (the caller waits).
    linux::ChildProcess start(const std::vector<std::string>& args) const;

    // Writes `conflist` (JSON text) as <name>.conflist into the private CNI config directory.
    void addNetwork(const std::string& name, const std::string& conflist) const;
    // Puts the built ibvf and ibvf-ipam into the private CNI bin directory the way the CNI
    // DaemonSet does: by running the real ibvf-cni-installer (--once).
    void installCniBinaries() const;
    // Imports the directory `rootfs` as image `ref` (tar + `podman import`), with Containerfile
    // instructions such as `CMD [...]` applied (`--change`).
    void importRootfs(const std::filesystem::path& rootfs, const std::string& ref, const std::vector<std::string>& changes = {}) const;
    void importBusybox() const;

    const std::filesystem::path& dir() const { return dir_.path(); }
    std::filesystem::path cniBinDir() const { return dir_.path() / "cni-bin"; }

private:
    std::vector<std::string> environment() const;

    ScratchDir dir_;
    std::map<std::string, std::string> ibvfEnv_;
};

// "exit 1; stdout: ...; stderr: ..." for messages.
std::string describe(const linux::ProcessResult& r);

}  // namespace ibvf::test
