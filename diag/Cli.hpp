#pragma once
// ibvf-diag's command line: a table of subcommands, each a function from its arguments to an exit
// code. A new subcommand is one more entry in subcommands() (Cli.cpp) and its own file.
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/CommandLine.hpp"

namespace ibvf::diag {

// Exit codes of every subcommand.
inline constexpr int kExitClean = 0;     // no problem found / config valid
inline constexpr int kExitProblems = 1;  // problems found / config errors
inline constexpr int kExitUsage = 2;     // bad usage or an internal error

using Args = std::span<const std::string>;

struct Subcommand {
    std::string_view name;
    std::string_view synopsis;  // "check-config [--json] FILE..."
    std::string_view summary;   // one line for the usage text
    int (*run)(Args args, std::ostream& out, std::ostream& err);
};

const std::vector<Subcommand>& subcommands();
std::string usageText();

// argv[1] names a subcommand, or is an option of the default one ("report"), which also runs
// with no arguments at all. Any exception escaping a subcommand is an internal error (exit 2).
int runCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

// A subcommand's options, through the parser every ibvf program uses: -1 to run it, or the exit
// code after printing the usage (--help) or why an argument is refused. `operand` takes the
// arguments that are not options; null when the subcommand takes none.
int parseSubcommandArgs(std::string_view subcommand, Args args, const std::vector<cli::Option>& options,
                        std::function<void(const std::string&)> operand, std::ostream& out, std::ostream& err);

// The subcommands (ReportCommand.cpp, CheckConfigCommand.cpp).
int runReport(Args args, std::ostream& out, std::ostream& err);
int runCheckConfig(Args args, std::ostream& out, std::ostream& err);

}  // namespace ibvf::diag
