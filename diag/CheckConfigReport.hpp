#pragma once
// How check-config prints its findings: text for people, one JSON document with --json.
#include <ostream>
#include <string>
#include <vector>

#include "diag/ConfigCheck.hpp"

namespace ibvf::diag {

struct CheckedFile {
    std::string path;
    ConfigCheck check;
};

void printConfigChecksText(const std::vector<CheckedFile>& files, std::ostream& out);
std::string configChecksJson(const std::vector<CheckedFile>& files);

}  // namespace ibvf::diag
