#include "metrics/TextFormat.hpp"

#include <array>
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

// Appends `text` escaped; most texts need no escape and go in with one append.
void appendEscaped(std::string& out, std::string_view text, bool quotes) {
    const std::string_view special = quotes ? std::string_view("\\\n\"") : std::string_view("\\\n");
    for (std::size_t from = 0;;) {
        const std::size_t at = text.find_first_of(special, from);
        out.append(text.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
        if (at == std::string_view::npos) return;
        out += text[at] == '\n' ? "\\n" : text[at] == '"' ? "\\\"" : "\\\\";
        from = at + 1;
    }
}

std::string escape(std::string_view text, bool quotes) {
    std::string out;
    out.reserve(text.size());
    appendEscaped(out, text, quotes);
    return out;
}

void appendLabels(std::string& out, const Labels& labels) {
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        appendEscaped(out, v, true);
        out += '"';
    }
}

}  // namespace

std::string escapeLabelValue(std::string_view value) { return escape(value, true); }
std::string escapeHelp(std::string_view help) { return escape(help, false); }

void appendValue(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    std::array<char, 32> buf{};
    // Counters of bytes pass 2^53 only after petabytes; below that they print exactly.
    const auto res = value == std::trunc(value) && std::fabs(value) < 9.007199254740992e15
                         ? std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<long long>(value))
                         : std::to_chars(buf.data(), buf.data() + buf.size(), value);
    out.append(buf.data(), res.ptr);
}

std::string formatValue(double value) {
    std::string out;
    appendValue(out, value);
    return out;
}

void appendLabel(std::string& text, std::string_view key, std::string_view value) {
    if (!text.empty()) text += ',';
    text += key;
    text += "=\"";
    appendEscaped(text, value, true);
    text += '"';
}

void appendSample(Family& family, std::string_view labels, std::string_view more, double value) {
    std::string& out = family.lines;
    out += family.name;
    if (!labels.empty() || !more.empty()) {
        out += '{';
        out += labels;
        if (!labels.empty() && !more.empty()) out += ',';
        out += more;
        out += '}';
    }
    out += ' ';
    appendValue(out, value);
    out += '\n';
}

namespace {

// appendFamily() without the family's `lines`.
void appendFamilySamples(std::string& out, const Family& family) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    appendEscaped(out, family.help, false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += typeName(family.type);
    out += '\n';
    for (const auto& s : family.samples) {
        out += family.name;
        out += s.suffix;
        if (!s.labels.empty()) {
            out += '{';
            appendLabels(out, s.labels);
            out += '}';
        }
        out += ' ';
        appendValue(out, s.value);
        out += '\n';
    }
}

}  // namespace

void appendFamily(std::string& out, const Family& family) {
    appendFamilySamples(out, family);
    out += family.lines;
}

std::vector<std::string> renderParts(std::vector<Family>&& families) {
    std::vector<std::string> parts(1);
    for (auto& f : families) {
        appendFamilySamples(parts.back(), f);
        if (f.lines.empty()) continue;
        parts.push_back(std::move(f.lines));
        parts.emplace_back();
    }
    if (parts.back().empty()) parts.pop_back();
    return parts;
}

std::string renderText(const std::vector<Family>& families) {
    std::string out;
    for (const auto& f : families) appendFamily(out, f);
    return out;
}

}  // namespace ibvf::metrics
