#pragma once
// The benchmarks' command lines, through the project's one parser (lib/cli): every option takes
// one value, and a bad one stops the run before any measurement, naming the flag and why.
#include <filesystem>
#include <initializer_list>
#include <string_view>

#include "cli/CommandLine.hpp"

namespace ibvf::bench {

using ValueOption = cli::Option;

ValueOption intOption(std::string_view flag, int& into, int min);
ValueOption textOption(std::string_view flag, std::string& into);
ValueOption pathOption(std::string_view flag, std::filesystem::path& into);

// Applies argv[1..] to the options; false when -h/--help (or --version) was asked for. Throws
// std::invalid_argument for an unknown flag, a missing value or a value the option refuses.
bool parseCommandLine(int argc, char** argv, std::initializer_list<ValueOption> options);

}  // namespace ibvf::bench
