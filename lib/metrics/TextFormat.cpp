#include "metrics/TextFormat.hpp"

#include <charconv>
#include <cmath>

namespace ibvf::metrics {
namespace {

const char* typeName(MetricType type) {
    switch (type) {
        case MetricType::Counter:
            return "counter";
        case MetricType::Histogram:
            return "histogram";
        case MetricType::Gauge:
            break;
    }
    return "gauge";
}

std::string escape(std::string_view text, bool quotes) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quotes)
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

void appendLabels(std::string& out, const Labels& labels) {
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        out += escape(v, true);
        out += '"';
    }
}

}  // namespace

SharedLabels shareLabels(Labels labels) {
    auto set = std::make_shared<LabelSet>();
    appendLabels(set->text, labels);
    set->labels = std::move(labels);
    return set;
}

std::string escapeLabelValue(std::string_view value) { return escape(value, true); }
std::string escapeHelp(std::string_view help) { return escape(help, false); }

std::string formatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    // Counters of bytes pass 2^53 only after petabytes; below that they print exactly.
    if (value == std::trunc(value) && std::fabs(value) < 9.007199254740992e15) return std::to_string(static_cast<long long>(value));
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, res.ptr);
}

void appendFamily(std::string& out, const Family& family) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    out += escapeHelp(family.help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += typeName(family.type);
    out += '\n';
    for (const auto& s : family.samples) {
        out += family.name;
        out += s.suffix;
        const bool shared = s.shared && !s.shared->labels.empty();
        if (shared || !s.labels.empty()) {
            out += '{';
            if (shared) out += s.shared->text;
            if (shared && !s.labels.empty()) out += ',';
            appendLabels(out, s.labels);
            out += '}';
        }
        out += ' ';
        out += formatValue(s.value);
        out += '\n';
    }
}

std::string renderText(const std::vector<Family>& families) {
    std::string out;
    for (const auto& f : families) appendFamily(out, f);
    return out;
}

}  // namespace ibvf::metrics
