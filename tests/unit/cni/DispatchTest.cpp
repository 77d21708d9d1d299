#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <map>
#include <new>
#include <sstream>
#include <string>
#include <system_error>

#include <rapidjson/document.h>

#include "cni/Dispatch.hpp"
#include "cni/Error.hpp"

using namespace ibvf::cni;

namespace {

// Records what dispatch hands to it; each command's behaviour can be replaced.
class FakePlugin : public Plugin {
public:
    std::vector<std::string> calls;
    std::vector<std::string_view> known;
    std::function<Result(const Request&)> onAdd = [](const Request&) { return Result{}; };
    std::function<void(const Request&)> onOther = [](const Request&) {};
    std::function<void(const Request&)> onConfigure = [](const Request&) {};
    std::vector<Attachment> gcValid;
    std::string lastIfname;
    std::string lastName;

    Result add(const Request& req) override {
        record("add", req);
        return onAdd(req);
    }
    void del(const Request& req) override {
        record("del", req);
        onOther(req);
    }
    void check(const Request& req) override {
        record("check", req);
        onOther(req);
    }
    void status(const Request& req) override {
        record("status", req);
        onOther(req);
    }
    void gc(const Request& req, const std::vector<Attachment>& valid) override {
        record("gc", req);
        gcValid = valid;
        onOther(req);
    }
    std::vector<std::string_view> knownCniArgs() const override { return known; }
    void configure(const Request& req) override {
        calls.emplace_back("configure");
        onConfigure(req);
    }

private:
    void record(const char* what, const Request& req) {
        calls.emplace_back(what);
        lastIfname = req.env.ifname;
        lastName = req.conf.name;
    }
};

struct Outcome {
    int rc;
    std::string out;
};

struct Invocation {
    std::map<std::string, std::string> env{
        {"CNI_CONTAINERID", "c0ffee"}, {"CNI_NETNS", "/var/run/netns/t"}, {"CNI_IFNAME", "net1"}, {"CNI_PATH", "/opt/cni/bin"}};
    std::string stdinText;

    Outcome run(FakePlugin& plugin, const std::string& command) {
        env["CNI_COMMAND"] = command;
        return runRaw(plugin);
    }
    Outcome runRaw(FakePlugin& plugin) const {
        std::ostringstream out;
        const EnvLookup lookup = [this](const char* name) -> const char* {
            const auto it = env.find(name);
            return it == env.end() ? nullptr : it->second.c_str();
        };
        const int rc = dispatch(plugin, lookup, IoStreams{stdinText, out});
        return {rc, out.str()};
    }
};

std::string conf(const char* version) { return std::string(R"({"cniVersion":")") + version + R"(","name":"ibnet","type":"ibvf"})"; }

struct ParsedError {
    std::string cniVersion;
    unsigned code = 0;
    std::string msg;
    std::optional<std::string> details;
};

ParsedError parseErrorJson(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    REQUIRE_MESSAGE(!d.HasParseError(), text);
    REQUIRE(d.IsObject());
    ParsedError e;
    e.cniVersion = d["cniVersion"].GetString();
    e.code = d["code"].GetUint();
    e.msg = d["msg"].GetString();
    if (d.HasMember("details")) e.details = d["details"].GetString();
    CHECK(d.MemberCount() == (e.details ? 4U : 3U));
    return e;
}

Result sampleResult() {
    Result r;
    Interface i;
    i.name = "net1";
    i.mtu = 2044;
    i.sandbox = "/var/run/netns/t";
    r.interfaces.push_back(i);
    IpConfig ip;
    ip.address = *ibvf::net::IpPrefix::parse("10.0.0.5/24");
    ip.interfaceIndex = 0;
    r.ips.push_back(ip);
    return r;
}

}  // namespace

TEST_CASE("ADD prints the result in the config's version") {
    FakePlugin plugin;
    plugin.onAdd = [](const Request&) { return sampleResult(); };
    Invocation inv;
    inv.stdinText = conf("0.4.0");
    auto o = inv.run(plugin, "ADD");
    CHECK(o.rc == 0);
    CHECK(o.out == R"({"cniVersion":"0.4.0","interfaces":[{"name":"net1","sandbox":"/var/run/netns/t"}],)"
                   R"("ips":[{"version":"4","interface":0,"address":"10.0.0.5/24"}]})");
    CHECK(plugin.calls == std::vector<std::string>{"configure", "add"});
    CHECK(plugin.lastIfname == "net1");
    CHECK(plugin.lastName == "ibnet");

    inv.stdinText = conf("1.1.0");
    o = inv.run(plugin, "ADD");
    CHECK(o.rc == 0);
    CHECK(o.out.rfind(R"({"cniVersion":"1.1.0","interfaces":[{"name":"net1","mtu":2044,)", 0) == 0);
}

TEST_CASE("DEL, CHECK, STATUS and GC print nothing on success") {
    FakePlugin plugin;
    Invocation inv;
    inv.stdinText = conf("1.1.0");
    for (const char* cmd : {"DEL", "CHECK", "STATUS"}) {
        CAPTURE(cmd);
        const auto o = inv.run(plugin, cmd);
        CHECK(o.rc == 0);
        CHECK(o.out.empty());
    }
    inv.stdinText = R"({"cniVersion":"1.1.0","name":"ibnet","type":"ibvf",
        "cni.dev/valid-attachments":[{"containerID":"c1","ifname":"net1"}]})";
    const auto o = inv.run(plugin, "GC");
    CHECK(o.rc == 0);
    CHECK(o.out.empty());
    CHECK(plugin.gcValid == std::vector<Attachment>{{"c1", "net1"}});
    CHECK(plugin.calls == std::vector<std::string>{"configure", "del", "configure", "check", "configure", "status", "configure", "gc"});
}

TEST_CASE("DEL succeeds without CNI_NETNS") {
    FakePlugin plugin;
    Invocation inv;
    inv.env.erase("CNI_NETNS");
    inv.stdinText = conf("1.0.0");
    CHECK(inv.run(plugin, "DEL").rc == 0);
}

TEST_CASE("VERSION") {
    FakePlugin plugin;
    Invocation inv;
    const std::string supported = R"("supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]})";
    SUBCASE("empty stdin answers with the latest version") {
        const auto o = inv.run(plugin, "VERSION");
        CHECK(o.rc == 0);
        CHECK(o.out == R"({"cniVersion":"1.1.0",)" + supported);
    }
    SUBCASE("a minimal config is echoed") {
        inv.stdinText = R"({"cniVersion":"0.4.0"})";
        const auto o = inv.run(plugin, "VERSION");
        CHECK(o.rc == 0);
        CHECK(o.out == R"({"cniVersion":"0.4.0",)" + supported);
    }
    SUBCASE("an unsupported config version still gets an answer") {
        inv.stdinText = R"({"cniVersion":"9.0.0"})";
        const auto o = inv.run(plugin, "VERSION");
        CHECK(o.rc == 0);
        CHECK(o.out == R"({"cniVersion":"1.1.0",)" + supported);
    }
    SUBCASE("no other variables are needed") {
        inv.env.clear();
        inv.env["CNI_ARGS"] = "not a pair";
        inv.stdinText = "\n";
        CHECK(inv.run(plugin, "VERSION").rc == 0);
    }
    SUBCASE("malformed stdin is a decode error") {
        inv.stdinText = "{";
        const auto o = inv.run(plugin, "VERSION");
        CHECK(o.rc == 1);
        CHECK(parseErrorJson(o.out).code == 6);
    }
    CHECK(plugin.calls.empty());
}

TEST_CASE("environment errors are code 4") {
    FakePlugin plugin;
    Invocation inv;
    inv.stdinText = conf("1.0.0");
    SUBCASE("missing CNI_COMMAND") {
        const auto o = inv.runRaw(plugin);
        CHECK(o.rc == 1);
        const auto e = parseErrorJson(o.out);
        CHECK(e.code == 4);
        CHECK(e.msg == "CNI_COMMAND is required");
        // The config's version is used even though the env failed first.
        CHECK(e.cniVersion == "1.0.0");
    }
    SUBCASE("unknown command") {
        const auto o = inv.run(plugin, "FROB");
        CHECK(o.rc == 1);
        const auto e = parseErrorJson(o.out);
        CHECK(e.code == 4);
        CHECK(e.msg == "unknown CNI_COMMAND \"FROB\"");
    }
    SUBCASE("bad interface name") {
        inv.env["CNI_IFNAME"] = "way-too-long-name0";
        const auto e = parseErrorJson(inv.run(plugin, "ADD").out);
        CHECK(e.code == 4);
        CHECK(e.msg == "invalid CNI_IFNAME \"way-too-long-name0\"");
        REQUIRE(e.details.has_value());
        CHECK(*e.details == "interface name is 18 bytes long; Linux allows at most 15");
    }
    SUBCASE("missing container ID") {
        inv.env.erase("CNI_CONTAINERID");
        CHECK(parseErrorJson(inv.run(plugin, "DEL").out).code == 4);
    }
    CHECK(plugin.calls.empty());
}

TEST_CASE("CNI_ARGS keys are checked against the plugin's list") {
    FakePlugin plugin;
    plugin.known = {"K8S_POD_NAME", "IP"};
    Invocation inv;
    inv.stdinText = conf("1.0.0");
    inv.env["CNI_ARGS"] = "K8S_POD_NAME=p;IP=10.0.0.9";
    CHECK(inv.run(plugin, "ADD").rc == 0);

    inv.env["CNI_ARGS"] = "K8S_POD_NAME=p;K8S_POD_UID=123";
    auto o = inv.run(plugin, "ADD");
    CHECK(o.rc == 1);
    const auto e = parseErrorJson(o.out);
    CHECK(e.code == 4);
    CHECK(e.msg == "unknown CNI_ARGS key K8S_POD_UID");

    inv.env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=p;K8S_POD_UID=123";
    CHECK(inv.run(plugin, "ADD").rc == 0);

    inv.env["CNI_ARGS"] = "K8S_POD_NAME";
    CHECK(parseErrorJson(inv.run(plugin, "ADD").out).code == 4);
}

TEST_CASE("config errors") {
    FakePlugin plugin;
    Invocation inv;
    SUBCASE("malformed JSON is 6 and reported in the latest version") {
        inv.stdinText = R"({"cniVersion":"0.4.0",)";
        const auto e = parseErrorJson(inv.run(plugin, "ADD").out);
        CHECK(e.code == 6);
        CHECK(e.cniVersion == "1.1.0");
        REQUIRE(e.details.has_value());
        CHECK(*e.details == "Missing a name for object member. at offset 22");
    }
    SUBCASE("empty stdin for ADD is 6") { CHECK(parseErrorJson(inv.run(plugin, "ADD").out).code == 6); }
    SUBCASE("unsupported version is 1") {
        inv.stdinText = conf("0.2.0");
        const auto e = parseErrorJson(inv.run(plugin, "ADD").out);
        CHECK(e.code == 1);
        CHECK(e.cniVersion == "1.1.0");
        CHECK(e.details == "supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
    }
    SUBCASE("missing name is 7, reported in the config's version") {
        inv.stdinText = R"({"cniVersion":"0.3.1","type":"ibvf"})";
        const auto e = parseErrorJson(inv.run(plugin, "DEL").out);
        CHECK(e.code == 7);
        CHECK(e.cniVersion == "0.3.1");
    }
    SUBCASE("bad prevResult is 6") {
        inv.stdinText = R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":{"ips":[{"address":"x"}]}})";
        CHECK(parseErrorJson(inv.run(plugin, "CHECK").out).code == 6);
    }
    SUBCASE("GC without valid attachments is 7") {
        inv.stdinText = conf("1.1.0");
        CHECK(parseErrorJson(inv.run(plugin, "GC").out).code == 7);
        CHECK(plugin.calls == std::vector<std::string>{"configure"});
        plugin.calls.clear();
    }
    CHECK(plugin.calls.empty());
}

TEST_CASE("commands newer than the config's version are code 1") {
    FakePlugin plugin;
    Invocation inv;
    inv.stdinText = conf("0.3.1");
    auto o = inv.run(plugin, "CHECK");
    CHECK(o.rc == 1);
    CHECK(o.out == R"({"cniVersion":"0.3.1","code":1,"msg":"CHECK is not supported by cniVersion 0.3.1",)"
                   R"("details":"CHECK needs cniVersion 0.4.0 or later"})");
    inv.stdinText = conf("0.4.0");
    CHECK(inv.run(plugin, "CHECK").rc == 0);
    for (const char* cmd : {"GC", "STATUS"}) {
        CAPTURE(cmd);
        inv.stdinText = conf("1.0.0");
        const auto e = parseErrorJson(inv.run(plugin, cmd).out);
        CHECK(e.code == 1);
        CHECK(e.cniVersion == "1.0.0");
    }
    CHECK(plugin.calls == std::vector<std::string>{"configure", "check"});
}

TEST_CASE("exceptions from the plugin become one error JSON") {
    FakePlugin plugin;
    Invocation inv;
    inv.stdinText = conf("1.0.0");
    auto errorFrom = [&](std::function<void()> thrower) {
        plugin.onAdd = [thrower](const Request&) -> Result {
            thrower();
            return sampleResult();
        };
        const auto o = inv.run(plugin, "ADD");
        CHECK(o.rc == 1);
        return parseErrorJson(o.out);
    };
    SUBCASE("cni::Error keeps its code, msg and details") {
        const auto e = errorFrom([] { throw Error(ErrorCode::DeviceBusy, "VF 0000:3b:00.2 is busy", "held by c9"); });
        CHECK(e.code == 102);
        CHECK(e.msg == "VF 0000:3b:00.2 is busy");
        CHECK(e.details == "held by c9");
        CHECK(e.cniVersion == "1.0.0");
    }
    SUBCASE("empty details are omitted") {
        const auto e = errorFrom([] { throw Error(ErrorCode::TryAgainLater, "locked"); });
        CHECK(e.code == 11);
        CHECK_FALSE(e.details.has_value());
    }
    SUBCASE("std::system_error is 100 with what()") {
        const auto e = errorFrom([] { throw std::system_error(ENOENT, std::generic_category(), "open /sys/x"); });
        CHECK(e.code == 100);
        CHECK(e.msg == std::system_error(ENOENT, std::generic_category(), "open /sys/x").what());
    }
    SUBCASE("other std::exception is 100") {
        const auto e = errorFrom([] { throw std::runtime_error("boom"); });
        CHECK(e.code == 100);
        CHECK(e.msg == "boom");
    }
    SUBCASE("bad_alloc is 100") {
        const auto e = errorFrom([] { throw std::bad_alloc(); });
        CHECK(e.code == 100);
        CHECK(e.msg == "out of memory");
    }
    SUBCASE("non-std exceptions are 100") {
        const auto e = errorFrom([] { throw 42; });
        CHECK(e.code == 100);
    }
    SUBCASE("configure() is covered too") {
        plugin.onConfigure = [](const Request&) { throw std::runtime_error("log dir unwritable"); };
        const auto o = inv.run(plugin, "DEL");
        CHECK(o.rc == 1);
        CHECK(parseErrorJson(o.out).msg == "log dir unwritable");
        CHECK(plugin.calls == std::vector<std::string>{"configure"});
    }
    SUBCASE("STATUS reports plugin-not-available") {
        plugin.onOther = [](const Request&) { throw Error(ErrorCode::PluginNotAvailable, "no PF"); };
        inv.stdinText = conf("1.1.0");
        CHECK(parseErrorJson(inv.run(plugin, "STATUS").out).code == 50);
    }
}

TEST_CASE("errorJson") {
    CHECK(errorJson("1.1.0", Error(ErrorCode::IoFailure, "read \"x\"", "EIO")) ==
          R"({"cniVersion":"1.1.0","code":5,"msg":"read \"x\"","details":"EIO"})");
    CHECK(errorJson("0.4.0", Error(ErrorCode::UnknownContainer, "gone")) == R"({"cniVersion":"0.4.0","code":3,"msg":"gone"})");
}

namespace {

// Runs runMain in a child with the given stdin and environment, as a runtime would exec it.
Outcome runMainInChild(const std::string& input, const std::vector<std::pair<const char*, const char*>>& vars) {
    int in[2];
    int out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        for (const char* name : {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"}) {
            unsetenv(name);
        }
        for (const auto& [k, v] : vars) setenv(k, v, 1);
        FakePlugin plugin;
        plugin.onAdd = [](const Request&) { return sampleResult(); };
        const char* const argv[] = {"fake", nullptr};
        _exit(runMain("fake", 1, argv, plugin));
    }
    close(in[0]);
    close(out[1]);
    // Larger than a pipe buffer would be a deadlock risk; configs here are small.
    CHECK(write(in[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    close(in[1]);
    std::string output;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<std::size_t>(n));
    close(out[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return {WEXITSTATUS(status), output};
}

}  // namespace

TEST_CASE("runMain reads stdin and the process environment and writes stdout") {
    auto o = runMainInChild("", {{"CNI_COMMAND", "VERSION"}});
    CHECK(o.rc == 0);
    CHECK(o.out == R"({"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]})");

    o = runMainInChild(conf("1.0.0"),
                       {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", "/var/run/netns/t"}, {"CNI_IFNAME", "net1"}});
    CHECK(o.rc == 0);
    CHECK(o.out == R"({"cniVersion":"1.0.0","interfaces":[{"name":"net1","sandbox":"/var/run/netns/t"}],)"
                   R"("ips":[{"interface":0,"address":"10.0.0.5/24"}]})");

    o = runMainInChild(conf("1.0.0"), {{"CNI_COMMAND", "ADD"}});
    CHECK(o.rc == 1);
    CHECK(parseErrorJson(o.out).code == 4);
}
