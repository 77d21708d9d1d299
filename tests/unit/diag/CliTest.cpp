// The command line: subcommand dispatch, usage errors (exit 2), check-config's exit codes.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "diag/Cli.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf::diag;

namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run run(std::vector<std::string> args) {
    args.insert(args.begin(), "ibvf-diag");
    std::ostringstream out, err;
    const int code = runCli(args, out, err);
    return Run{code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("help lists every subcommand; unknown subcommands and bad options are usage errors") {
    const auto help = run({"--help"});
    CHECK(help.code == kExitClean);
    for (const auto& c : subcommands()) CHECK(help.out.find(std::string(c.name)) != std::string::npos);
    CHECK(help.out.find("exit codes") != std::string::npos);

    const auto unknown = run({"frobnicate"});
    CHECK(unknown.code == kExitUsage);
    CHECK(unknown.err.find("unknown subcommand \"frobnicate\"") != std::string::npos);

    CHECK(run({"--bogus"}).code == kExitUsage);
    CHECK(run({"report", "--pf"}).code == kExitUsage);  // --pf needs a value
    CHECK(run({"check-config"}).code == kExitUsage);
    CHECK(run({"check-config", "--strict", "x"}).code == kExitUsage);
    CHECK(run({"check-config", "/nonexistent/ibvf-diag-test.json"}).code == kExitUsage);
}

TEST_CASE("check-config: 0 for valid files, 1 when any has an error, JSON with --json") {
    ibvf::test::ScratchDir dir;
    std::ofstream(dir / "good.conf") << R"({"cniVersion":"1.0.0","name":"n","type":"ibvf"})";
    std::ofstream(dir / "bad.conf") << R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","mtu":1})";
    const auto good = (dir / "good.conf").string();
    const auto bad = (dir / "bad.conf").string();

    const auto ok = run({"check-config", good});
    CHECK(ok.code == kExitClean);
    CHECK(ok.out.find("OK") != std::string::npos);

    const auto failed = run({"check-config", good, bad});
    CHECK(failed.code == kExitProblems);
    CHECK(failed.out.find("  error  mtu 1 is out of range\n         mtu must be between 68 and 65520\n") != std::string::npos);
    CHECK(failed.out.find("1 error\n") != std::string::npos);

    const auto json = run({"check-config", "--json", bad});
    CHECK(json.code == kExitProblems);
    CHECK(json.out.find("\"schema\": \"ibvf-diag-check-config/v1\"") != std::string::npos);
    CHECK(json.out.find("\"field\": \"mtu\"") != std::string::npos);
}
