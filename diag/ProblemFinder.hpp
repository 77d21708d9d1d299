#pragma once
// The rules that turn a node's facts into problems, each with a severity and a fix. Pure: it
// reads only the facts, so each rule is tested on made-up facts (tests/unit/diag).
#include "diag/NodeReport.hpp"

namespace ibvf::diag {

// Fills report.problems and report.notes from report.facts (replacing what they held).
void findProblems(NodeReport& report);

}  // namespace ibvf::diag
