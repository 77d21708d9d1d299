#pragma once
// Left-aligned columns separated by two spaces, for terminal output.
#include <ostream>
#include <string>
#include <vector>

namespace ibvf::diag {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Each line starts with `indent`; trailing spaces are not written.
    void print(std::ostream& out, const std::string& indent = {}) const;

private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace ibvf::diag
