#pragma once
// The Prometheus text exposition format, version 0.0.4: "# HELP", "# TYPE", then one line per
// sample, `name{label="value",...} value`. Label values escape `\`, `"` and newline; HELP text
// escapes `\` and newline.
#include <string>
#include <string_view>
#include <vector>

#include "metrics/Family.hpp"

namespace ibvf::metrics {

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);
// Integers without a fraction ("42"), others with enough digits to read back the same double,
// and "+Inf", "-Inf", "NaN" as the format spells them.
std::string formatValue(double value);

// A LabelSet with its text rendered.
SharedLabels shareLabels(Labels labels);

void appendFamily(std::string& out, const Family& family);
std::string renderText(const std::vector<Family>& families);

}  // namespace ibvf::metrics
