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
void appendValue(std::string& out, double value);  // formatValue(), without a string of its own

// `,key="value"` onto a rendered label text (no comma when `text` is empty), the value escaped.
void appendLabel(std::string& text, std::string_view key, std::string_view value);
// One sample line onto `family.lines`: `labels` and `more` are rendered label texts (appendLabel),
// either may be empty.
void appendSample(Family& family, std::string_view labels, std::string_view more, double value);

void appendFamily(std::string& out, const Family& family);
// The same text as renderText(), as parts to be sent one after the other: each family's `lines`
// moved out as a part of its own (a scrape's megabytes are not copied), the small texts between
// them gathered.
std::vector<std::string> renderParts(std::vector<Family>&& families);
std::string renderText(const std::vector<Family>& families);

}  // namespace ibvf::metrics
