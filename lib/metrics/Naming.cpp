#include "metrics/Naming.hpp"

#include <algorithm>
#include <set>

namespace ibvf::metrics {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool endsWith(std::string_view s, std::string_view tail) { return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail; }

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

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
    std::set<std::pair<std::string, Labels>> seen;
    for (const auto& s : family.samples) {
        if (family.type == MetricType::Histogram ? (s.suffix != "_bucket" && s.suffix != "_sum" && s.suffix != "_count")
                                                 : !s.suffix.empty())
            problem("sample suffix '" + s.suffix + "' does not fit its type");
        Labels all = s.shared ? s.shared->labels : Labels{};
        all.insert(all.end(), s.labels.begin(), s.labels.end());
        std::set<std::string> names;
        for (const auto& [k, v] : all) {
            if (!isValidLabelName(k)) problem("label name '" + k + "' is not valid");
            if (!names.insert(k).second) problem("label '" + k + "' repeated in one sample");
        }
        if (endsWith(n, "_info") && s.value != 1) problem("an _info sample must have the value 1");
        if (!seen.emplace(s.suffix, all).second) problem("two samples with the same labels");
    }
    return problems;
}

}  // namespace ibvf::metrics
