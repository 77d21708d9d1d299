#pragma once
// The human form of a node report: the device plugin and RDMA state, a table of PFs, one of
// each PF's VFs, then the problems with their fixes.
#include <ostream>

#include "diag/NodeReport.hpp"

namespace ibvf::diag {

void printReportText(const NodeReport& report, std::ostream& out);

}  // namespace ibvf::diag
