#pragma once
// The --json form of a node report: one JSON document whose field names are stable (listed in
// docs/diag.md, "JSON fields"); absent values are null rather than left out, so scripts can
// rely on every key being there.
#include <string>

#include "diag/NodeReport.hpp"

namespace ibvf::diag {

inline constexpr const char* kReportSchema = "ibvf-diag/v1";

std::string reportJson(const NodeReport& report);

}  // namespace ibvf::diag
