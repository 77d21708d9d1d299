#pragma once
// One command-line parser for the programs an operator or a developer runs (the device plugin,
// the CNI installer, the benchmarks), so that their --help reads the same and a bad argument is
// refused the same way: the flag named, and why. The CNI plugins take no options (cni/Dispatch).
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ibvf::cli {

struct Option {
    std::string flag;   // "--config"
    std::string value;  // what it takes ("PATH"); empty for a switch
    std::string help;   // what it does and its default; '\n' continues on the next line
    // Takes the value ("" for a switch); throws std::invalid_argument saying why it is refused.
    std::function<void(const std::string& value)> set;
};

struct Program {
    std::string name;      // "ibvf-device-plugin"
    std::string summary;   // what the program is, one line
    std::string operands;  // what follows the options in the synopsis ("[BINARY...]"), or empty
    // Takes each operand; null when the program takes none. Throws std::invalid_argument.
    std::function<void(const std::string& operand)> operand;
    std::string epilog;  // exit codes, environment; printed after the options
    // For a subcommand ("ibvf-diag report"): the program it belongs to, whose help (`parentHelp`)
    // and version line answer its --help and --version, and whose --help a refused argument
    // points to. Empty for a program of its own.
    std::string parent;
    std::string parentHelp;
};

// "<name>: <summary>\n\nusage: ...\n\noptions:\n  --flag VALUE  help\n...<epilog>"
std::string usageText(const Program& program, const std::vector<Option>& options);

enum class Request { Run, Help, Version };

// Applies argv[1..] to the options in order. --help/-h and --version stop the parse.
// Throws std::invalid_argument "<flag>: <why>" for an unknown flag, a missing value or a value
// its option refuses.
Request parse(const Program& program, const std::vector<Option>& options, int argc, const char* const* argv);

// The usual handling of parse(): prints the help or the version line to `out` (returns 0), or a
// refused argument and where the options are listed to `err` (returns 2); -1 means run.
int handle(const Program& program, const std::vector<Option>& options, int argc, const char* const* argv, std::ostream& out,
           std::ostream& err);

// `text` as a whole decimal number (all of it, as std::stol reads it), or nullopt: for options
// whose values need a check of their own (a duration, a range).
std::optional<long> parseWholeNumber(const std::string& text);

Option textOption(std::string flag, std::string value, std::string help, std::string& into);
Option pathOption(std::string flag, std::string value, std::string help, std::filesystem::path& into);
Option intOption(std::string flag, std::string value, std::string help, int& into, int min);
Option switchOption(std::string flag, std::string help, bool& into);

}  // namespace ibvf::cli
