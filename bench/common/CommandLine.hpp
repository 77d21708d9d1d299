#pragma once
// The benchmarks' command lines: every option takes one value, and a bad one stops the run
// before any measurement, naming the flag. One parser for all of them, so they agree on that.
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace ibvf::bench {

struct ValueOption {
    std::string_view flag;
    std::function<void(const std::string& value)> set;  // throws std::invalid_argument
};

ValueOption intOption(std::string_view flag, int& into, int min);
ValueOption textOption(std::string_view flag, std::string& into);
ValueOption pathOption(std::string_view flag, std::filesystem::path& into);

// Applies argv[1..] to the options; false when -h/--help was asked for. Throws
// std::invalid_argument for an unknown flag, a missing value or a value the option refuses.
bool parseCommandLine(int argc, char** argv, std::initializer_list<ValueOption> options);

}  // namespace ibvf::bench
