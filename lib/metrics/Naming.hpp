#pragma once
// Prometheus' naming rules (https://prometheus.io/docs/practices/naming/) as checks, so a test
// can walk every family a program registers: names and label names match the data model's
// grammar, the program's prefix comes first, counters end in "_total", info metrics in "_info"
// and are gauges of value 1, units are base units spelled out, HELP is never empty, and no
// sample repeats a label set.
#include <string>
#include <string_view>
#include <vector>

#include "metrics/Family.hpp"

namespace ibvf::metrics {

bool isValidMetricName(std::string_view name);  // [a-zA-Z_:][a-zA-Z0-9_:]*
bool isValidLabelName(std::string_view name);   // [a-zA-Z_][a-zA-Z0-9_]*, not starting "__"

// Every rule `family` breaks, each naming the family; empty when it follows them all.
std::vector<std::string> namingProblems(const Family& family, std::string_view prefix);

}  // namespace ibvf::metrics
