// The one command-line parser of the daemons, the installer and the benchmarks: the help layout
// every program shares, and refusals that name the flag and why.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/CommandLine.hpp"

using namespace ibvf::cli;

namespace {

struct Parsed {
    std::string name = "default";
    int count = 1;
    bool once = false;
    std::vector<std::string> operands;
};

Program program(Parsed& p, bool operands) {
    Program prog{"ibvf-demo", "shows the layout", operands ? "[FILE...]" : "", nullptr, "exit codes: 0 done, 2 bad usage", {}, {}};
    if (operands) prog.operand = [&p](const std::string& o) { p.operands.push_back(o); };
    return prog;
}

std::vector<Option> options(Parsed& p) {
    return {textOption("--name", "TEXT", "what to call it (default default)", p.name),
            intOption("--count", "N", "how many\nat least 1", p.count, 1), switchOption("--once", "stop after one", p.once)};
}

Request parseArgs(Parsed& p, std::vector<const char*> args, bool operands = false) {
    args.insert(args.begin(), "ibvf-demo");
    return parse(program(p, operands), options(p), static_cast<int>(args.size()), args.data());
}

// handle() on `args` after the program name, its two streams kept in `out` and `err`.
int handled(const Program& prog, const std::vector<Option>& opts, const std::vector<const char*>& args, std::string& out,
            std::string& err) {
    std::vector<const char*> argv{"ibvf-demo"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::ostringstream o, e;
    const int rc = handle(prog, opts, static_cast<int>(argv.size()), argv.data(), o, e);
    out = o.str();
    err = e.str();
    return rc;
}

}  // namespace

TEST_CASE("the help text: summary, synopsis, aligned options with continuation lines, epilog") {
    Parsed p;
    CHECK(usageText(program(p, true), options(p)) ==
          "ibvf-demo: shows the layout\n"
          "\n"
          "usage: ibvf-demo [OPTION]... [FILE...]\n"
          "       ibvf-demo --version | --help\n"
          "\n"
          "options:\n"
          "  --name TEXT  what to call it (default default)\n"
          "  --count N    how many\n"
          "               at least 1\n"
          "  --once       stop after one\n"
          "\n"
          "exit codes: 0 done, 2 bad usage\n");
}

TEST_CASE("values, switches and operands are applied in order; --help and --version stop the parse") {
    Parsed p;
    CHECK(parseArgs(p, {"--count", "3", "--once", "a", "--name", "x", "b"}, true) == Request::Run);
    CHECK(p.count == 3);
    CHECK(p.once);
    CHECK(p.name == "x");
    CHECK(p.operands == std::vector<std::string>{"a", "b"});

    Parsed q;
    CHECK(parseArgs(q, {"--count", "2", "--help", "--count", "5"}) == Request::Help);
    CHECK(q.count == 2);
    CHECK(parseArgs(q, {"--version"}) == Request::Version);
    CHECK(parseArgs(q, {"-h"}) == Request::Help);
}

TEST_CASE("a refused argument names the flag and why") {
    Parsed p;
    auto refusal = [&](std::vector<const char*> args, bool operands = false) {
        try {
            parseArgs(p, std::move(args), operands);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal({"--frob"}) == "unknown option --frob");
    CHECK(refusal({"--count"}) == "--count needs a value (N)");
    CHECK(refusal({"--count", "0"}) == "--count: wants a whole number >= 1, got \"0\"");
    CHECK(refusal({"--count", "2x"}) == "--count: wants a whole number >= 1, got \"2x\"");
    CHECK(refusal({"--name", ""}) == "--name: wants a value, got an empty string");
    CHECK(refusal({"stray"}) == "unexpected argument \"stray\": ibvf-demo takes none");
    CHECK(refusal({"stray"}, true) == "accepted");
}

TEST_CASE("handle(): help and version on stdout with 0, a refusal on stderr with 2, -1 to run") {
    Parsed p;
    const auto prog = program(p, false);
    const auto opts = options(p);
    auto run = [&](const std::vector<const char*>& args, std::string& out, std::string& err) {
        return handled(prog, opts, args, out, err);
    };
    std::string out, err;
    CHECK(run({"--help"}, out, err) == 0);
    CHECK(out == usageText(prog, opts));
    CHECK(err.empty());
    CHECK(run({"--version"}, out, err) == 0);
    CHECK(out.rfind("ibvf-demo ", 0) == 0);
    CHECK(run({"--count", "-1"}, out, err) == 2);
    CHECK(out.empty());
    CHECK(err == "ibvf-demo: --count: wants a whole number >= 1, got \"-1\"\n(ibvf-demo --help lists the options)\n");
    CHECK(run({"--once"}, out, err) == -1);
    CHECK(p.once);
}

TEST_CASE("a subcommand answers --help and --version as its program and points a refusal to the program's --help") {
    Parsed p;
    Program prog = program(p, false);
    prog.name = "ibvf-demo check";
    prog.parent = "ibvf-demo";
    prog.parentHelp = "ibvf-demo: the whole program's help\n";
    const auto opts = options(p);
    auto run = [&](const std::vector<const char*>& args, std::string& out, std::string& err) {
        return handled(prog, opts, args, out, err);
    };
    std::string out, err;
    CHECK(run({"--help"}, out, err) == 0);
    CHECK(out == "ibvf-demo: the whole program's help\n");
    CHECK(run({"--version"}, out, err) == 0);
    CHECK(out.rfind("ibvf-demo ", 0) == 0);
    CHECK(out.rfind("ibvf-demo check", 0) != 0);
    CHECK(run({"--bogus"}, out, err) == 2);
    CHECK(err.rfind("ibvf-demo check: unknown option --bogus\n", 0) == 0);
    CHECK(err.find("\n(ibvf-demo --help lists the options)\n") != std::string::npos);
}
