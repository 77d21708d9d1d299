// ibvf-diag: the operator's view of ibvf on one node (see Cli.hpp for the subcommands).
#include <iostream>
#include <string>
#include <vector>

#include "diag/Cli.hpp"
#include "log/Logging.hpp"

int main(int argc, char** argv) {
    // The libraries log through spdlog; stdout is the report's (and may be JSON).
    ibvf::log::setup(ibvf::log::LogOptions{"ibvf-diag", "warn", std::nullopt, {}});
    return ibvf::diag::runCli(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}
