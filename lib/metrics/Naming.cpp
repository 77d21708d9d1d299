#include "metrics/Naming.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "metrics/TextFormat.hpp"

namespace ibvf::metrics {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool endsWith(std::string_view s, std::string_view tail) { return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail; }

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

struct ParsedSample {
    std::string suffix;
    Labels labels;  // values as escaped on the wire: only compared
    std::string value;
};

// A line of Family::lines: `<name><suffix>{k="v",...} <value>`; nullopt when it has another shape.
std::optional<ParsedSample> parseLine(std::string_view line, std::string_view name) {
    if (line.substr(0, name.size()) != name) return std::nullopt;
    ParsedSample p;
    std::size_t at = name.size();
    const std::size_t end = line.find_first_of("{ ", at);
    if (end == std::string_view::npos) return std::nullopt;
    p.suffix = std::string(line.substr(at, end - at));
    at = end;
    if (line[at] == '{') {
        ++at;
        while (at < line.size() && line[at] != '}') {
            const std::size_t eq = line.find("=\"", at);
            if (eq == std::string_view::npos) return std::nullopt;
            std::size_t close = eq + 2;
            while (close < line.size() && line[close] != '"') close += line[close] == '\\' ? 2 : 1;
            if (close >= line.size()) return std::nullopt;
            p.labels.emplace_back(std::string(line.substr(at, eq - at)), std::string(line.substr(eq + 2, close - eq - 2)));
            at = close + 1;
            if (at < line.size() && line[at] == ',') ++at;
        }
        if (at >= line.size()) return std::nullopt;
        ++at;  // '}'
    }
    if (at >= line.size() || line[at] != ' ') return std::nullopt;
    p.value = std::string(line.substr(at + 1));
    return p;
}

}  // namespace

bool isValidMetricName(std::string_view name) {
    if (name.empty() || isDigit(name.front())) return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return isAlpha(c) || isDigit(c) || c == '_' || c == ':'; });
}

bool isValidLabelName(std::string_view name) {
    if (name.empty() || isDigit(name.front()) || name.substr(0, 2) == "__") return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return isAlpha(c) || isDigit(c) || c == '_'; });
}

std::vector<std::string> namingProblems(const Family& family, std::string_view prefix) {
    std::vector<std::string> problems;
    const std::string& n = family.name;
    auto problem = [&](const std::string& what) { problems.push_back(n + ": " + what); };
    if (!isValidMetricName(n) || contains(n, ":")) problem("not a valid metric name (colons are for recording rules)");
    if (n.rfind(prefix, 0) != 0) problem("does not start with " + std::string(prefix));
    if (family.help.empty()) problem("has no HELP text");
    if (family.type == MetricType::Counter && !endsWith(n, "_total")) problem("is a counter but does not end in _total");
    if (family.type != MetricType::Counter && endsWith(n, "_total")) problem("ends in _total but is not a counter");
    if (endsWith(n, "_info") && family.type != MetricType::Gauge) problem("an _info metric must be a gauge");
    // Base units, spelled out: seconds not milliseconds, bytes not kilobytes.
    for (const char* unit : {"_milliseconds", "_microseconds", "_ms", "_kb", "_mb", "_kilobytes", "_megabytes", "_percent"})
        if (contains(n, unit)) problem(std::string("uses the non-base unit ") + unit);
    for (const char* reserved : {"_bucket", "_sum", "_count"})
        if (family.type == MetricType::Histogram && endsWith(n, reserved))
            problem(std::string("a histogram's name must not end in ") + reserved);
    std::vector<ParsedSample> samples;
    for (const auto& s : family.samples) {
        Labels all = s.labels;
        for (auto& [k, v] : all) v = escapeLabelValue(v);  // compared as the lines' are
        samples.push_back(ParsedSample{s.suffix, std::move(all), formatValue(s.value)});
    }
    for (std::size_t from = 0; from < family.lines.size();) {
        const std::size_t eol = family.lines.find('\n', from);
        const std::string_view line =
            std::string_view(family.lines).substr(from, eol == std::string::npos ? std::string::npos : eol - from);
        from = eol == std::string::npos ? family.lines.size() : eol + 1;
        if (auto p = parseLine(line, n))
            samples.push_back(std::move(*p));
        else
            problem("sample line '" + std::string(line) + "' is not `name{labels} value`");
    }
    std::set<std::pair<std::string, Labels>> seen;
    for (const auto& s : samples) {
        if (family.type == MetricType::Histogram ? (s.suffix != "_bucket" && s.suffix != "_sum" && s.suffix != "_count")
                                                 : !s.suffix.empty())
            problem("sample suffix '" + s.suffix + "' does not fit its type");
        std::set<std::string> names;
        for (const auto& [k, v] : s.labels) {
            if (!isValidLabelName(k)) problem("label name '" + k + "' is not valid");
            if (!names.insert(k).second) problem("label '" + k + "' repeated in one sample");
        }
        if (endsWith(n, "_info") && s.value != "1") problem("an _info sample must have the value 1");
        if (!seen.emplace(s.suffix, s.labels).second) problem("two samples with the same labels");
    }
    return problems;
}

}  // namespace ibvf::metrics
