// ChildProcess: direct exec, exact environment, big payloads both ways without deadlock, exit
// codes and signals, exec failures reported as errno.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>

#include "linux/ChildProcess.hpp"
#include "linux/KernelError.hpp"

using namespace ibvf;
using linux::ChildProcess;

namespace {

// A directory of small shell scripts, removed afterwards.
class Scripts {
public:
    Scripts() {
        char tmpl[] = "/tmp/ibvf-proc-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir_ = tmpl;
    }
    ~Scripts() {
        for (const auto& f : files_) ::unlink(f.c_str());
        ::rmdir(dir_.c_str());
    }
    std::string add(const std::string& name, const std::string& body, mode_t mode = 0755) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        ::chmod(path.c_str(), mode);
        files_.push_back(path);
        return path;
    }

private:
    std::string dir_;
    std::vector<std::string> files_;
};

std::string payload(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
    return s;
}

bool sigpipePending() {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

TEST_CASE("1 MB through /bin/cat comes back intact") {
    const std::string in = payload(1 << 20);
    auto child = ChildProcess::spawn("/bin/cat", {}, in);
    CHECK(child.pid() > 0);
    const auto r = child.wait();
    CHECK(r.exitCode == 0);
    CHECK(r.signal == 0);
    CHECK(r.out.size() == in.size());
    CHECK(r.out == in);
    CHECK(r.err.empty());
}

TEST_CASE("a child that floods stderr before reading stdin does not deadlock") {
    Scripts s;
    const auto path = s.add("flood", "head -c 2000000 /dev/zero | tr '\\0' e >&2\ncat");
    const std::string in = payload(1 << 20);
    auto r = ChildProcess::spawn(path, {"PATH=/usr/bin:/bin"}, in).wait();
    CHECK(r.exitCode == 0);
    CHECK(r.err.size() == 2000000);
    CHECK(r.err.find_first_not_of('e') == std::string::npos);
    CHECK(r.out == in);
}

TEST_CASE("exit codes and signals") {
    Scripts s;
    CHECK(ChildProcess::spawn("/bin/true", {}, "").wait().exitCode == 0);
    CHECK(ChildProcess::spawn("/bin/false", {}, "").wait().exitCode == 1);
    const auto three = ChildProcess::spawn(s.add("three", "echo out; echo err >&2; exit 3"), {}, "").wait();
    CHECK(three.exitCode == 3);
    CHECK(three.out == "out\n");
    CHECK(three.err == "err\n");

    const auto killed = ChildProcess::spawn(s.add("term", "kill -TERM $$"), {}, "").wait();
    CHECK(killed.exitCode == -1);
    CHECK(killed.signal == SIGTERM);
}

TEST_CASE("the environment is exactly the one given") {
    ::setenv("IBVF_TEST_SHOULD_NOT_LEAK", "1", 1);
    const auto r = ChildProcess::spawn("/usr/bin/env", {"CNI_COMMAND=ADD", "A=b=c"}, "").wait();
    ::unsetenv("IBVF_TEST_SHOULD_NOT_LEAK");
    CHECK(r.exitCode == 0);
    CHECK(r.out == "CNI_COMMAND=ADD\nA=b=c\n");
}

TEST_CASE("arguments reach the program as they are, without a shell") {
    const auto r = ChildProcess::spawn("/bin/echo", {"a", "b c", "$HOME"}, {}, "").wait();
    CHECK(r.exitCode == 0);
    CHECK(r.out == "a b c $HOME\n");
}

TEST_CASE("exec failures are errors from spawn, naming the path") {
    Scripts s;
    try {
        ChildProcess::spawn("/nonexistent/ibvf-nothing", {}, "x");
        FAIL("spawned a missing binary");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == ENOENT);
        CHECK(std::string(e.what()).find("exec /nonexistent/ibvf-nothing") != std::string::npos);
    }
    const auto notExecutable = s.add("plain", "exit 0", 0644);
    try {
        ChildProcess::spawn(notExecutable, {}, "");
        FAIL("spawned a non-executable file");
    } catch (const linux::KernelError& e) {
        CHECK(e.err() == EACCES);
    }
}

TEST_CASE("a child that ignores its stdin: no SIGPIPE for us, the mask is restored") {
    sigset_t before;
    pthread_sigmask(SIG_SETMASK, nullptr, &before);
    const auto r = ChildProcess::spawn("/bin/true", {}, payload(4 << 20)).wait();
    CHECK(r.exitCode == 0);
    CHECK_FALSE(sigpipePending());
    sigset_t after;
    pthread_sigmask(SIG_SETMASK, nullptr, &after);
    CHECK(sigismember(&after, SIGPIPE) == sigismember(&before, SIGPIPE));
}

TEST_CASE("children start with default signal handling even when we ignore SIGPIPE") {
    Scripts s;
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction old {};
    sigaction(SIGPIPE, &ignore, &old);
    // `yes` dies of SIGPIPE when its reader goes away, unless SIGPIPE is ignored (then it
    // reports a write error and exits 1).
    const auto r = ChildProcess::spawn(s.add("pipe", "yes | head -c 10 > /dev/null"), {"PATH=/usr/bin:/bin"}, "").wait();
    sigaction(SIGPIPE, &old, nullptr);
    CHECK(r.exitCode == 0);
    CHECK(r.err.empty());
}

TEST_CASE("spawn returns before the child reads everything; wait feeds the rest") {
    Scripts s;
    const std::string in = payload(3 << 20);  // far more than a pipe holds
    auto child = ChildProcess::spawn(s.add("slow", "sleep 0.2; cat"), {"PATH=/usr/bin:/bin"}, in);
    const auto r = child.wait();
    CHECK(r.out == in);
}

TEST_CASE("an unwaited child is killed and reaped; moved-from objects are inert; wait twice is an error") {
    Scripts s;
    const auto sleeper = s.add("sleeper", "exec sleep 100");
    pid_t pid = -1;
    {
        auto child = ChildProcess::spawn(sleeper, {"PATH=/usr/bin:/bin"}, "");
        pid = child.pid();
        ChildProcess moved(std::move(child));
        CHECK(moved.pid() == pid);
        CHECK(child.pid() == -1);
    }
    CHECK(::kill(pid, 0) != 0);
    CHECK(errno == ESRCH);

    auto a = ChildProcess::spawn("/bin/true", {}, "");
    auto b = ChildProcess::spawn(sleeper, {"PATH=/usr/bin:/bin"}, "");
    const pid_t bPid = b.pid();
    b = std::move(a);  // b's sleeper is killed and reaped here
    CHECK(::kill(bPid, 0) != 0);
    CHECK(b.wait().exitCode == 0);
    CHECK_THROWS_AS(b.wait(), linux::KernelError);
}
