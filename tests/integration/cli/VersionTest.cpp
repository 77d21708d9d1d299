// Every shipped binary says which version it is, and the CNI plugins answer a person who runs
// them without CNI_COMMAND the way the reference plugins do, without waiting on stdin.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/BinaryRunner.hpp"

using ibvf::test::BinaryRunner;

namespace {

const std::vector<std::string> kCniPlugins = {"ibvf", "ibvf-ipam", "ibvf-ipam-etcd"};
const std::vector<std::string> kAllBinaries = {"ibvf",      "ibvf-ipam",          "ibvf-ipam-etcd",
                                               "ibvf-diag", "ibvf-device-plugin", "ibvf-cni-installer"};
const std::string kSupported = "CNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n";

}  // namespace

TEST_CASE("--version prints the binary's name, version and commit on stdout") {
    for (const auto& name : kAllBinaries) {
        CAPTURE(name);
        const auto r = BinaryRunner(name).run(std::vector<std::string>{"--version"}, {});
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        CHECK(r.out.rfind(name + " " + IBVF_VERSION + " (commit ", 0) == 0);
        CHECK(r.out.find(")\n") != std::string::npos);
        CHECK(r.err.empty());
    }
}

TEST_CASE("--help has one layout everywhere: what the program is, then its usage with --version") {
    for (const auto& name : kAllBinaries) {
        CAPTURE(name);
        const auto r = BinaryRunner(name).run(std::vector<std::string>{"--help"}, {});
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        // One layout everywhere: what the program is, a blank line, how it is run.
        CHECK(r.out.rfind(name + ": ", 0) == 0);
        CHECK(r.out.find("\n\nusage: " + name + " ") != std::string::npos);
        CHECK(r.out.find(" " + name + " --version | --help\n") != std::string::npos);
        CHECK(r.err.empty());
    }
}

TEST_CASE("the daemons and the installer refuse a bad argument naming the flag and why, with exit code 2") {
    struct Case {
        std::string binary;
        std::vector<std::string> args;
        std::string why;
    };
    for (const auto& c : std::vector<Case>{
             {"ibvf-device-plugin", {"--reclaim-interval", "0"}, "--reclaim-interval: wants a whole number of seconds above 0, got \"0\""},
             {"ibvf-device-plugin", {"--metrics-address", "nowhere"}, "--metrics-address: "},
             {"ibvf-device-plugin", {"--frob"}, "unknown option --frob"},
             {"ibvf-cni-installer", {"--dest-dir"}, "--dest-dir needs a value (DIR)"},
         }) {
        CAPTURE(c.binary);
        CAPTURE(c.why);
        const auto r = BinaryRunner(c.binary).run(c.args, {});
        CHECK(r.exitCode == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind(c.binary + ": " + c.why, 0) == 0);
        const std::string tail = "\n(" + c.binary + " --help lists the options)\n";
        CHECK(r.err.size() > tail.size());
        CHECK(r.err.substr(r.err.size() - tail.size()) == tail);
    }
}

TEST_CASE("a CNI plugin run without CNI_COMMAND prints its about text on stderr and exits 0") {
    for (const auto& name : kCniPlugins) {
        CAPTURE(name);
        // No stdin at all would block a plugin that reads it first; the runner closes it, so a
        // plugin that read stdin and then dispatched would print a code 4 error instead.
        const auto r = BinaryRunner(name).run(std::vector<std::string>{}, {});
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        CHECK(r.out.empty());
        CHECK(r.err == "CNI " + name + " plugin version " + IBVF_VERSION + " (commit " +
                           r.err.substr(r.err.find("(commit ") + 8, r.err.find(')') - r.err.find("(commit ") - 8) + ")\n" + kSupported);
    }
}

TEST_CASE("a CNI plugin refuses an argument it does not know, naming it") {
    const auto r = BinaryRunner("ibvf").run(std::vector<std::string>{"--frob"}, {});
    CHECK(r.exitCode == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("unknown argument \"--frob\"") != std::string::npos);
}

TEST_CASE("with CNI_COMMAND set, arguments are ignored and the protocol answers") {
    const auto r = BinaryRunner("ibvf").run(std::vector<std::string>{"--version"}, {{"CNI_COMMAND", "VERSION"}});
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    REQUIRE(r.json.has_value());
    CHECK(r.json->HasMember("supportedVersions"));
}
