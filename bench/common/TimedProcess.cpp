#include "TimedProcess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "linux/Fd.hpp"

namespace ibvf::bench {
namespace {

using linux::Fd;

[[noreturn]] void fail(const std::string& what, int err) { throw std::runtime_error(what + ": " + std::strerror(err)); }

Fd memfd(const char* name) {
    Fd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) fail(std::string("memfd_create ") + name, errno);
    return fd;
}

void writeAll(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write memfd", errno);
        done += static_cast<std::size_t>(n);
    }
}

std::string readAll(int fd) {
    std::string data;
    char buf[8192];
    for (off_t at = 0;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("read memfd", errno);
        if (n == 0) return data;
        data.append(buf, static_cast<std::size_t>(n));
        at += n;
    }
}

const std::string& meterPath() {
    static const std::string path = [] {
        const auto self = std::filesystem::read_symlink("/proc/self/exe");
        const auto meter = self.parent_path() / "ibvf-bench-spawn";
        if (::access(meter.c_str(), X_OK) != 0) throw std::runtime_error(meter.string() + " missing: build the ibvf-bench-spawn target");
        return meter.string();
    }();
    return path;
}

// posix_spawn file actions and attributes, released on every path.
class SpawnSetup {
public:
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions_);
        posix_spawnattr_init(&attr_);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions_);
        posix_spawnattr_destroy(&attr_);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    posix_spawn_file_actions_t* actions() { return &actions_; }
    posix_spawnattr_t* attr() { return &attr_; }

private:
    posix_spawn_file_actions_t actions_{};
    posix_spawnattr_t attr_{};
};

// The meter's one line: "<code> <signal> <wall ns> <maxrss KiB> <user us> <sys us>".
void parseMeterLine(const std::string& line, const std::string& path, TimedRun& r) {
    int spawnErr = 0;
    if (std::sscanf(line.c_str(), "spawn-error %d", &spawnErr) == 1) fail("start " + path, spawnErr);
    long long wallNs = 0, userUs = 0, sysUs = 0;
    long rss = 0;
    if (std::sscanf(line.c_str(), "%d %d %lld %ld %lld %lld", &r.exitCode, &r.signal, &wallNs, &rss, &userUs, &sysUs) != 6)
        throw std::runtime_error("ibvf-bench-spawn reported \"" + line + "\" for " + path);
    r.wallMs = static_cast<double>(wallNs) / 1e6;
    r.maxRssKb = rss;
    r.cpuMs = static_cast<double>(userUs + sysUs) / 1e3;
}

}  // namespace

std::string TimedRun::summary() const {
    std::string s = signal ? "killed by signal " + std::to_string(signal) : "exit " + std::to_string(exitCode);
    return s + "; stdout: " + (out.empty() ? "(empty)" : out) + "; stderr: " + (err.empty() ? "(empty)" : err);
}

TimedRun runTimed(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                  const std::string& stdinText) {
    Fd in = memfd("bench-stdin");
    Fd out = memfd("bench-stdout");
    Fd err = memfd("bench-stderr");
    Fd meter = memfd("bench-meter");
    writeAll(in.get(), stdinText);
    if (::lseek(in.get(), 0, SEEK_SET) < 0) fail("lseek memfd", errno);

    std::vector<std::string> argv = {meterPath(), path};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::vector<std::string> envCopy = env;
    std::vector<char*> cenv;
    for (auto& e : envCopy) cenv.push_back(e.data());
    cenv.push_back(nullptr);

    SpawnSetup setup;
    posix_spawn_file_actions_adddup2(setup.actions(), in.get(), 0);
    posix_spawn_file_actions_adddup2(setup.actions(), out.get(), 1);
    posix_spawn_file_actions_adddup2(setup.actions(), err.get(), 2);
    posix_spawn_file_actions_adddup2(setup.actions(), meter.get(), 3);
    // A runtime starts plugins with default dispositions and nothing blocked; so do we, whatever
    // the bench itself installed for SIGINT/SIGTERM.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(setup.attr(), &none);
    posix_spawnattr_setsigdefault(setup.attr(), &all);
    posix_spawnattr_setflags(setup.attr(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = -1;
    if (const int rc = ::posix_spawn(&pid, cargv[0], setup.actions(), setup.attr(), cargv.data(), cenv.data()); rc != 0)
        fail("start " + argv[0], rc);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail("waitpid " + argv[0], errno);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("ibvf-bench-spawn failed for " + path + " (status " + std::to_string(status) + ")");

    TimedRun r;
    parseMeterLine(readAll(meter.get()), path, r);
    r.out = readAll(out.get());
    r.err = readAll(err.get());
    return r;
}

}  // namespace ibvf::bench
