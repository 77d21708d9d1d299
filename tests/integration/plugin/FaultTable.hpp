#pragma once
// What the fault tests share: the scenarios they run, which points a traced run passed (with
// occurrences, for points inside loops), and the points x outcomes table they print.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ibvf::test {

struct FaultSite {
    std::string point;
    int occurrence = 1;
    std::string label() const { return occurrence == 1 ? point : point + "@" + std::to_string(occurrence); }
};

// Trace lines (one point name each, in the order passed) -> sites, each occurrence its own.
inline std::vector<FaultSite> sitesOf(const std::vector<std::string>& lines) {
    std::map<std::string, int> seen;
    std::vector<FaultSite> sites;
    for (const auto& line : lines) sites.push_back({line, ++seen[line]});
    return sites;
}

enum class FaultOp { Add, Del, Gc };

inline const char* opName(FaultOp op) { return op == FaultOp::Add ? "ADD" : op == FaultOp::Del ? "DEL" : "GC"; }

// The operation run with a fault, whether a complete ADD comes first, and what the runtime runs
// next to recover (a kill is recovered once with each).
struct FaultScenario {
    FaultOp op;
    bool attachFirst;
    std::vector<FaultOp> recoveries;
};

inline const std::vector<FaultScenario>& faultScenarios() {
    static const std::vector<FaultScenario> scenarios = {
        {FaultOp::Add, false, {FaultOp::Del, FaultOp::Gc}},
        {FaultOp::Del, true, {FaultOp::Del, FaultOp::Gc}},
        {FaultOp::Gc, true, {FaultOp::Gc, FaultOp::Del}},
    };
    return scenarios;
}

// The sites of an IBVF_FAULT_TRACE file.
inline std::vector<FaultSite> sitesInTrace(const std::filesystem::path& trace) {
    std::ifstream in(trace);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return sitesOf(lines);
}

// Points only an InfiniBand VF passes: the veth node of the binary test cannot reach them.
inline bool hardwareOnlyPoint(std::string_view point) {
    static constexpr std::string_view kHardware[] = {
        "attach.guid-set",      "attach.link-state-set", "attach.rdma-moved",          "attach.child-created",
        "detach.child-removed", "detach.rdma-returned",  "detach.link-state-restored", "detach.guid-restored",
    };
    return std::find(std::begin(kHardware), std::end(kHardware), point) != std::end(kHardware);
}

// Rows in the order they were first set, one column per outcome kind.
class FaultTable {
public:
    explicit FaultTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

    void set(const std::string& row, const std::string& column, const std::string& cell) {
        auto it = std::find_if(rows_.begin(), rows_.end(), [&](const auto& r) { return r.first == row; });
        if (it == rows_.end()) {
            rows_.emplace_back(row, std::map<std::string, std::string>{});
            it = std::prev(rows_.end());
        }
        it->second[column] = cell;
    }

    bool anyFailed() const {
        for (const auto& [row, cells] : rows_) {
            for (const auto& [column, cell] : cells) {
                if (cell.empty() || cell.find("FAILED") != std::string::npos) return true;
            }
        }
        return false;
    }

    std::string str() const {
        std::size_t first = 5;
        std::vector<std::size_t> width(columns_.size());
        for (std::size_t c = 0; c < columns_.size(); ++c) width[c] = columns_[c].size();
        for (const auto& [row, cells] : rows_) {
            first = std::max(first, row.size());
            for (std::size_t c = 0; c < columns_.size(); ++c) {
                const auto it = cells.find(columns_[c]);
                width[c] = std::max(width[c], it == cells.end() ? 1 : it->second.size());
            }
        }
        auto line = [&](const std::string& head, const std::vector<std::string>& cells) {
            std::string s = "| " + head + std::string(first - head.size(), ' ');
            for (std::size_t c = 0; c < cells.size(); ++c) s += " | " + cells[c] + std::string(width[c] - cells[c].size(), ' ');
            return s + " |\n";
        };
        std::string out = line("point", columns_);
        std::vector<std::string> rule;
        for (const auto w : width) rule.push_back(std::string(w, '-'));
        out += line(std::string(first, '-'), rule);
        for (const auto& [row, cells] : rows_) {
            std::vector<std::string> values;
            for (const auto& c : columns_) {
                const auto it = cells.find(c);
                values.push_back(it == cells.end() ? "-" : it->second);
            }
            out += line(row, values);
        }
        return out;
    }

private:
    std::vector<std::string> columns_;
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> rows_;
};

}  // namespace ibvf::test
