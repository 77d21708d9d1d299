#include "PodmanLab.hpp"

#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include "support/BinaryRunner.hpp"

namespace fs = std::filesystem;

namespace ibvf::test {
namespace {

constexpr const char* kPath = "/usr/sbin:/usr/bin:/sbin:/bin";

void requireExecutable(const std::string& path, const std::string& package) {
    if (::access(path.c_str(), X_OK) != 0)
        throw std::runtime_error(path + " is missing: the e2e tests need Debian's " + package + " (install/deps.sh installs it)");
}

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
}

std::string tomlList(const std::vector<std::string>& items) {
    std::string s = "[";
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", \"" : "\"") + items[i] + "\"";
    return s + "]";
}

}  // namespace

std::string describe(const linux::ProcessResult& r) {
    const std::string how = r.signal ? "killed by signal " + std::to_string(r.signal) : "exit " + std::to_string(r.exitCode);
    return how + "; stdout: " + r.out + "; stderr: " + r.err;
}

PodmanLab::PodmanLab(std::map<std::string, std::string> ibvfEnv) : ibvfEnv_(std::move(ibvfEnv)) {
    requireExecutable("/usr/bin/podman", "podman");
    requireExecutable("/usr/sbin/runc", "runc");
    requireExecutable("/usr/bin/conmon", "conmon");
    requireExecutable("/bin/busybox", "busybox-static");

    for (const char* sub : {"cni-bin", "net.d", "root", "runroot", "tmp", "libpod-tmp", "home"}) fs::create_directories(dir_ / sub);

    // conmon starts `podman container cleanup` (and so the CNI DEL) with only these variables.
    std::vector<std::string> conmonEnv{std::string("PATH=") + kPath};
    for (const auto& [k, v] : ibvfEnv_) conmonEnv.push_back(k + "=" + v);
    const std::string d = dir_.path().string();
    // The settings these machines need (network_backend, runtime, default_ulimits), and every
    // path podman would otherwise take from /etc, /run/libpod or /var/tmp.
    writeText(dir_ / "storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + d + "/root\"\nrunroot = \"" + d + "/runroot\"\n");
    writeText(dir_ / "containers.conf",
              "[containers]\n"
              "default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"
              "[network]\n"
              "network_backend = \"cni\"\n"
              "cni_plugin_dirs = [\"" +
                  d +
                  "/cni-bin\"]\n"
                  "network_config_dir = \"" +
                  d +
                  "/net.d\"\n"
                  "[engine]\n"
                  "runtime = \"runc\"\n"
                  "cgroup_manager = \"cgroupfs\"\n"
                  "events_logger = \"file\"\n"
                  "events_logfile_path = \"" +
                  d +
                  "/events.log\"\n"
                  "tmp_dir = \"" +
                  d +
                  "/libpod-tmp\"\n"
                  "image_copy_tmp_dir = \"" +
                  d +
                  "/tmp\"\n"
                  "conmon_env_vars = " +
                  tomlList(conmonEnv) + "\n");
}

PodmanLab::~PodmanLab() {
    try {
        // Containers still there after a failed check: stop and remove them so their network is
        // torn down (CNI DEL) before the plugin's state directory disappears.
        (void)run({"rm", "--all", "--force", "--time", "0"});
    } catch (const std::exception&) {
        // The scratch directory still goes; nothing else can be done from a destructor.
    }
}

std::vector<std::string> PodmanLab::environment() const {
    const std::string d = dir_.path().string();
    std::vector<std::string> env{std::string("PATH=") + kPath, "HOME=" + d + "/home", "TMPDIR=" + d + "/tmp",
                                 "CONTAINERS_CONF=" + d + "/containers.conf",
                                 // Not /etc/containers/storage.conf: this lab's own.
                                 "CONTAINERS_STORAGE_CONF=" + d + "/storage.conf"};
    for (const auto& [k, v] : ibvfEnv_) env.push_back(k + "=" + v);
    return env;
}

linux::ChildProcess PodmanLab::start(const std::vector<std::string>& args) const {
    const std::string d = dir_.path().string();
    std::vector<std::string> all{"--root", d + "/root", "--runroot", d + "/runroot", "--storage-driver", "vfs"};
    all.insert(all.end(), args.begin(), args.end());
    return linux::ChildProcess::spawn("/usr/bin/podman", all, environment(), "");
}

linux::ProcessResult PodmanLab::run(const std::vector<std::string>& args) const { return start(args).wait(); }

void PodmanLab::addNetwork(const std::string& name, const std::string& conflist) const {
    writeText(dir_ / "net.d" / (name + ".conflist"), conflist);
}

void PodmanLab::installCniBinaries() const {
    const auto r = linux::ChildProcess::spawn(builtBinary("ibvf-cni-installer"),
                                              {"--once", "--source-dir", IBVF_BUILD_DIR, "--dest-dir", cniBinDir().string()}, {}, "")
                       .wait();
    if (r.exitCode != 0) throw std::runtime_error("ibvf-cni-installer: " + describe(r));
}

void PodmanLab::importRootfs(const fs::path& rootfs, const std::string& ref, const std::vector<std::string>& changes) const {
    const fs::path tarball = dir_ / "tmp" / "rootfs.tar";
    const auto tar = linux::ChildProcess::spawn("/bin/tar", {"-C", rootfs.string(), "-cf", tarball.string(), "."}, {}, "").wait();
    if (tar.exitCode != 0) throw std::runtime_error("tar " + rootfs.string() + ": " + describe(tar));
    std::vector<std::string> args{"import"};
    for (const auto& change : changes) args.push_back("--change=" + change);
    args.insert(args.end(), {tarball.string(), ref});
    const auto imported = run(args);
    if (imported.exitCode != 0) throw std::runtime_error("podman import " + ref + ": " + describe(imported));
    fs::remove(tarball);
}

void PodmanLab::importBusybox() const {
    const fs::path rootfs = dir_ / "busybox-rootfs";
    fs::create_directories(rootfs / "bin");
    fs::create_directories(rootfs / "tmp");
    fs::copy_file("/bin/busybox", rootfs / "bin" / "busybox");
    for (const char* applet : {"sh", "ip", "cat", "ls", "sleep", "touch"}) fs::create_symlink("busybox", rootfs / "bin" / applet);
    importRootfs(rootfs, kBusyboxImage);
}

}  // namespace ibvf::test
