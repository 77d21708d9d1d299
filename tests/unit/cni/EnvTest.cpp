#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cni/Env.hpp"
#include "cni/Error.hpp"

using namespace ibvf::cni;

namespace {

struct FakeEnv {
    std::map<std::string, std::string> vars;
    EnvLookup lookup() const {
        return [this](const char* name) -> const char* {
            const auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    }
};

FakeEnv addEnv() {
    return FakeEnv{{{"CNI_COMMAND", "ADD"},
                    {"CNI_CONTAINERID", "abc123"},
                    {"CNI_NETNS", "/var/run/netns/test"},
                    {"CNI_IFNAME", "net1"},
                    {"CNI_PATH", "/opt/cni/bin:/usr/lib/cni"}}};
}

Error envError(const FakeEnv& env) {
    try {
        parseEnv(env.lookup());
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected parseEnv to throw");
    return Error(ErrorCode::SystemFailure, "unreachable");
}

Error argsError(const std::string& text) {
    try {
        parseCniArgs(text);
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected parseCniArgs to throw");
    return Error(ErrorCode::SystemFailure, "unreachable");
}

}  // namespace

TEST_CASE("commands parse and print") {
    for (const char* c : {"ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION"}) {
        const auto cmd = parseCommand(c);
        REQUIRE_MESSAGE(cmd.has_value(), c);
        CHECK(toString(*cmd) == c);
    }
    CHECK_FALSE(parseCommand("add").has_value());
    CHECK_FALSE(parseCommand("").has_value());
    CHECK_FALSE(parseCommand("ADDX").has_value());
}

TEST_CASE("a complete ADD environment") {
    auto env = addEnv();
    env.vars["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=pod-a;K8S_POD_NAMESPACE=default";
    const Env e = parseEnv(env.lookup());
    CHECK((e.command == Command::Add));
    CHECK(e.containerId == "abc123");
    CHECK(e.netns == "/var/run/netns/test");
    CHECK(e.ifname == "net1");
    CHECK(e.path == std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"});
    CHECK(e.args.ignoreUnknown);
    CHECK(e.args.pairs.size() == 2);
    CHECK(e.args.get("K8S_POD_NAME") == "pod-a");
    CHECK(e.args.get("K8S_POD_NAMESPACE") == "default");
    CHECK(e.args.get("IgnoreUnknown") == std::nullopt);
}

TEST_CASE("CNI_COMMAND missing or unknown is code 4") {
    FakeEnv env;
    auto e = envError(env);
    CHECK(e.code() == ErrorCode::InvalidEnvironment);
    CHECK(e.msg().find("CNI_COMMAND") != std::string::npos);
    env.vars["CNI_COMMAND"] = "FROB";
    e = envError(env);
    CHECK(e.code() == ErrorCode::InvalidEnvironment);
    CHECK(e.msg() == "unknown CNI_COMMAND \"FROB\"");
}

TEST_CASE("required variables per command") {
    for (const char* cmd : {"ADD", "CHECK"}) {
        for (const char* var : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) {
            CAPTURE(cmd);
            CAPTURE(var);
            auto env = addEnv();
            env.vars["CNI_COMMAND"] = cmd;
            env.vars.erase(var);
            auto e = envError(env);
            CHECK(e.code() == ErrorCode::InvalidEnvironment);
            CHECK(e.msg().find(var) != std::string::npos);
            CHECK(e.details().find(cmd) != std::string::npos);
            // Set but empty counts as missing.
            env.vars[var] = "";
            CHECK(envError(env).msg().find(var) != std::string::npos);
        }
    }
    SUBCASE("DEL does not need CNI_NETNS (the namespace may be gone)") {
        auto env = addEnv();
        env.vars["CNI_COMMAND"] = "DEL";
        env.vars["CNI_NETNS"] = "";
        const Env e = parseEnv(env.lookup());
        CHECK((e.command == Command::Del));
        CHECK(e.netns.empty());
        CHECK(e.ifname == "net1");
        env.vars.erase("CNI_IFNAME");
        CHECK(envError(env).msg().find("CNI_IFNAME") != std::string::npos);
        env = addEnv();
        env.vars["CNI_COMMAND"] = "DEL";
        env.vars.erase("CNI_CONTAINERID");
        CHECK(envError(env).msg().find("CNI_CONTAINERID") != std::string::npos);
    }
    SUBCASE("GC, STATUS and VERSION need none of them") {
        for (const char* cmd : {"GC", "STATUS", "VERSION"}) {
            FakeEnv env{{{"CNI_COMMAND", cmd}, {"CNI_IFNAME", "bad/name"}, {"CNI_CONTAINERID", "-x"}}};
            CHECK_NOTHROW(parseEnv(env.lookup()));
        }
    }
}

TEST_CASE("VERSION ignores a malformed CNI_ARGS; other commands do not") {
    FakeEnv env{{{"CNI_COMMAND", "VERSION"}, {"CNI_ARGS", "garbage"}}};
    CHECK_NOTHROW(parseEnv(env.lookup()));
    env.vars["CNI_COMMAND"] = "STATUS";
    CHECK(envError(env).code() == ErrorCode::InvalidEnvironment);
}

TEST_CASE("interface name validation") {
    CHECK(isValidInterfaceName("net1"));
    CHECK(isValidInterfaceName("a"));
    CHECK(isValidInterfaceName("ib0.8001"));
    CHECK(isValidInterfaceName("123456789012345"));  // 15 bytes
    CHECK_FALSE(isValidInterfaceName(""));
    CHECK_FALSE(isValidInterfaceName("1234567890123456"));  // 16 bytes
    CHECK_FALSE(isValidInterfaceName("a/b"));
    CHECK_FALSE(isValidInterfaceName("a:b"));
    CHECK_FALSE(isValidInterfaceName("a b"));
    CHECK_FALSE(isValidInterfaceName("a\tb"));
    CHECK_FALSE(isValidInterfaceName("net1\n"));
    CHECK_FALSE(isValidInterfaceName("."));
    CHECK_FALSE(isValidInterfaceName(".."));
    CHECK(isValidInterfaceName("..."));
    CHECK(interfaceNameProblem("1234567890123456") == "is 16 bytes long; Linux allows at most 15");
    CHECK(interfaceNameProblem("net1").empty());

    auto env = addEnv();
    for (const auto& [bad, why] :
         std::vector<std::pair<const char*, const char*>>{{"a/b", "interface name contains '/'"},
                                                          {"..", "interface name is a reserved name"},
                                                          {"1234567890123456", "interface name is 16 bytes long; Linux allows at most 15"},
                                                          {"a b", "interface name contains whitespace"},
                                                          {"x:y", "interface name contains ':'"}}) {
        CAPTURE(bad);
        env.vars["CNI_IFNAME"] = bad;
        const auto e = envError(env);
        CHECK(e.code() == ErrorCode::InvalidEnvironment);
        CHECK(e.msg() == "invalid CNI_IFNAME \"" + std::string(bad) + "\"");
        CHECK(e.details() == why);
    }
    env.vars["CNI_IFNAME"] = "eth0/1";
    CHECK(envError(env).details() == "interface name contains '/'");
    // Control bytes the kernel would take (not whitespace to it) would still split a log line.
    CHECK(interfaceNameProblem("net\x1b[2J") == "contains a control character");
    CHECK(interfaceNameProblem("net\x7f") == "contains a control character");
}

TEST_CASE("container ID validation") {
    CHECK(isValidContainerId("abc"));
    CHECK(isValidContainerId("0f1e2d3c4b5a"));
    CHECK(isValidContainerId("a_b.c-d"));
    CHECK_FALSE(isValidContainerId(""));
    CHECK_FALSE(isValidContainerId("-abc"));
    CHECK_FALSE(isValidContainerId(".abc"));
    CHECK_FALSE(isValidContainerId("_abc"));
    CHECK_FALSE(isValidContainerId("a/b"));
    CHECK_FALSE(isValidContainerId("a b"));
    CHECK_FALSE(isValidContainerId("a..b/../c"));
    CHECK_FALSE(isValidContainerId("ab$"));
    CHECK(isValidContainerId(std::string(255, 'a')));
    CHECK(containerIdProblem(std::string(256, 'a')) == "is 256 bytes long; at most 255 are allowed");

    auto env = addEnv();
    for (const auto& [bad, why] :
         std::vector<std::pair<const char*, const char*>>{{"-abc", "container ID must start with a letter or digit"},
                                                          {"a/b", "container ID may contain only letters, digits, '_', '.' and '-'"},
                                                          {"a b", "container ID may contain only letters, digits, '_', '.' and '-'"},
                                                          {"../x", "container ID must start with a letter or digit"}}) {
        CAPTURE(bad);
        env.vars["CNI_CONTAINERID"] = bad;
        const auto e = envError(env);
        CHECK(e.code() == ErrorCode::InvalidEnvironment);
        CHECK(e.msg() == "invalid CNI_CONTAINERID \"" + std::string(bad) + "\"");
        CHECK(e.details() == why);
    }
}

TEST_CASE("CNI_ARGS parsing") {
    SUBCASE("empty") {
        const auto a = parseCniArgs("");
        CHECK(a.pairs.empty());
        CHECK_FALSE(a.ignoreUnknown);
    }
    SUBCASE("pairs in order, values may contain '=' and be empty") {
        const auto a = parseCniArgs("A=1;B=x=y;C=");
        REQUIRE(a.pairs.size() == 3);
        CHECK(a.pairs[0] == std::pair<std::string, std::string>{"A", "1"});
        CHECK(a.get("B") == "x=y");
        CHECK(a.get("C") == "");
        CHECK(a.get("D") == std::nullopt);
    }
    SUBCASE("the last occurrence of a key wins") { CHECK(parseCniArgs("IP=10.0.0.1;IP=10.0.0.2").get("IP") == "10.0.0.2"); }
    SUBCASE("IgnoreUnknown spellings") {
        CHECK(parseCniArgs("IgnoreUnknown=1").ignoreUnknown);
        CHECK(parseCniArgs("IgnoreUnknown=true").ignoreUnknown);
        CHECK(parseCniArgs("IgnoreUnknown=TRUE").ignoreUnknown);
        CHECK(parseCniArgs("X=y;IgnoreUnknown=True").ignoreUnknown);
        CHECK_FALSE(parseCniArgs("IgnoreUnknown=0").ignoreUnknown);
        CHECK_FALSE(parseCniArgs("IgnoreUnknown=false").ignoreUnknown);
        CHECK(parseCniArgs("IgnoreUnknown=1").pairs.empty());
        CHECK_THROWS_AS(parseCniArgs("IgnoreUnknown=yes"), Error);
    }
    SUBCASE("empty segments are tolerated") { CHECK(parseCniArgs("A=1;;B=2;").pairs.size() == 2); }
    SUBCASE("control characters anywhere, and K8S_POD_* values with '/' or too long, are code 4") {
        CHECK(parseCniArgs("K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=team-a;K8S_POD_UID=0f1e").get("K8S_POD_NAME") == "web-0");
        CHECK(parseCniArgs("K8S_POD_NAME=" + std::string(253, 'p')).get("K8S_POD_NAME")->size() == 253);
        for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
                 {"K8S_POD_NAME=web\n2026-01-01 forged", "pair 0 has a control character in its value"},
                 {"IgnoreUnknown=1;X\r=1", "pair 1 has a control character in its key"},
                 {"K8S_POD_NAMESPACE=../../etc", "pair 0 contains '/'"},
                 {"K8S_POD_NAME=" + std::string(254, 'p'), "pair 0 is longer than 253 bytes"}}) {
            CAPTURE(bad);
            const auto e = argsError(bad);
            CHECK(e.code() == ErrorCode::InvalidEnvironment);
            CHECK(e.details().find(why) == 0);
            CHECK(e.details().find("forged") == std::string::npos);  // never echoed
        }
    }
    SUBCASE("malformed pairs are code 4") {
        for (const auto& [bad, why] : std::vector<std::pair<const char*, const char*>>{{"A", "pair 0 (\"A\") is not KEY=VALUE"},
                                                                                       {"A=1;B", "pair 1 (\"B\") is not KEY=VALUE"},
                                                                                       {"=1", "pair 0 (\"=1\") has an empty key"},
                                                                                       {"A=1;=2", "pair 1 (\"=2\") has an empty key"}}) {
            CAPTURE(bad);
            const auto e = argsError(bad);
            CHECK(e.code() == ErrorCode::InvalidEnvironment);
            CHECK(e.msg() == "invalid CNI_ARGS");
            CHECK(e.details() == why);
        }
    }
}

TEST_CASE("CNI_PATH drops empty entries") {
    auto env = addEnv();
    env.vars["CNI_PATH"] = ":/a::/b:";
    CHECK(parseEnv(env.lookup()).path == std::vector<std::string>{"/a", "/b"});
    env.vars.erase("CNI_PATH");
    CHECK(parseEnv(env.lookup()).path.empty());
}
