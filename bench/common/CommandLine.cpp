#include "CommandLine.hpp"

#include <string>
#include <vector>

namespace ibvf::bench {

ValueOption intOption(std::string_view flag, int& into, int min) { return cli::intOption(std::string(flag), "N", {}, into, min); }

ValueOption textOption(std::string_view flag, std::string& into) { return cli::textOption(std::string(flag), "TEXT", {}, into); }

ValueOption pathOption(std::string_view flag, std::filesystem::path& into) { return cli::pathOption(std::string(flag), "PATH", {}, into); }

bool parseCommandLine(int argc, char** argv, std::initializer_list<ValueOption> options) {
    const cli::Program program{argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "bench", "a benchmark", {}, {}, {}, {}, {}};
    return cli::parse(program, std::vector<ValueOption>(options), argc, argv) == cli::Request::Run;
}

}  // namespace ibvf::bench
