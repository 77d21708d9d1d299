#include "diag/NodeReport.hpp"

#include <algorithm>

namespace ibvf::diag {

std::string_view severityName(Severity severity) { return severity == Severity::Error ? "error" : "warning"; }

std::string_view linkStateName(const LinkFacts& link) {
    if (!link.adminUp) return "down";
    return link.carrier ? "up" : "no-carrier";
}

std::size_t NodeReport::count(Severity severity) const {
    return static_cast<std::size_t>(
        std::count_if(problems.begin(), problems.end(), [&](const Problem& p) { return p.severity == severity; }));
}

}  // namespace ibvf::diag
