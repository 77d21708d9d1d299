#pragma once
// The last line of a text file (a log file's newest line); empty when there is none.
#include <filesystem>
#include <fstream>
#include <string>

namespace ibvf::test {

inline std::string lastLine(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::string last;
    while (std::getline(in, line)) last = line;
    return last;
}

}  // namespace ibvf::test
