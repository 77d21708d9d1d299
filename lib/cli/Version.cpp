#include "cli/Version.hpp"

#include "cli/BuildVersion.hpp"

namespace ibvf::cli {

std::string_view version() { return IBVF_BUILD_VERSION; }

std::string_view commit() { return IBVF_BUILD_COMMIT; }

std::string versionLine(std::string_view program) {
    std::string line(program);
    line += ' ';
    line += version();
    line += " (commit ";
    line += commit();
    line += ")\n";
    return line;
}

}  // namespace ibvf::cli
