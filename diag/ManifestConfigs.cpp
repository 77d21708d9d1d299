#include "diag/ManifestConfigs.hpp"

#include <stdexcept>

namespace ibvf::diag {
namespace {

struct Line {
    std::string text;
    std::size_t indent = 0;
    bool skip = false;  // blank or a comment
};

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

std::vector<std::vector<Line>> documents(std::string_view text) {
    std::vector<std::vector<Line>> docs(1);
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = text.find('\n', pos);
        std::string raw(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (trimmed(raw) == "---") {
            docs.emplace_back();
        } else {
            Line l;
            const auto first = raw.find_first_not_of(' ');
            l.skip = first == std::string::npos || raw[first] == '#';
            l.indent = first == std::string::npos ? 0 : first;
            l.text = std::move(raw);
            docs.back().push_back(std::move(l));
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    return docs;
}

// "key: value" at the line's indentation; nullopt when the line is not a mapping entry.
std::optional<std::pair<std::string, std::string>> entryOf(const Line& l) {
    const std::string body = l.text.substr(l.indent);
    auto colon = body.find(": ");
    if (colon == std::string::npos) {
        if (body.empty() || body.back() != ':') return std::nullopt;
        colon = body.size() - 1;
    }
    return std::pair{body.substr(0, colon), colon + 1 < body.size() ? trimmed(body.substr(colon + 1)) : std::string()};
}

std::string unquote(const std::string& v) {
    if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
        std::string out;
        for (std::size_t i = 1; i + 1 < v.size(); ++i) {
            out += v[i];
            if (v[i] == '\'' && v[i + 1] == '\'') ++i;  // '' is a quote
        }
        return out;
    }
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        std::string out;
        for (std::size_t i = 1; i + 1 < v.size(); ++i) {
            if (v[i] == '\\' && i + 2 < v.size()) {
                const char c = v[++i];
                if (c != '"' && c != '\\' && c != '/')
                    throw std::invalid_argument(std::string("escape \\") + c +
                                                " in a double-quoted string is not read; use a literal block (|)");
                out += c;
                continue;
            }
            out += v[i];
        }
        return out;
    }
    return v;
}

// The value of the entry at lines[i]: a literal block below it, or the scalar on its line.
std::string valueAt(const std::vector<Line>& lines, std::size_t i, const std::string& inlineValue) {
    if (inlineValue != "|" && inlineValue != "|-" && inlineValue != "|+") return unquote(inlineValue);
    std::string block;
    std::optional<std::size_t> blockIndent;
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
        const Line& l = lines[j];
        const bool blank = trimmed(l.text).empty();
        if (!blank && l.indent <= lines[i].indent) break;
        if (blank) {
            block += '\n';
            continue;
        }
        if (!blockIndent) blockIndent = l.indent;
        block += l.text.substr(std::min(*blockIndent, l.indent)) + '\n';
    }
    // Chomping: "|" keeps one final newline, "|-" none, "|+" every trailing one.
    if (inlineValue != "|+") {
        while (!block.empty() && block.back() == '\n') block.pop_back();
        if (inlineValue == "|" && !block.empty()) block += '\n';
    }
    return block;
}

// Index range of the children of the top-level key `key`, and their indentation.
struct Section {
    std::size_t begin = 0, end = 0, indent = 0;
};
std::optional<Section> topLevel(const std::vector<Line>& lines, const std::string& key) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].skip || lines[i].indent != 0) continue;
        const auto e = entryOf(lines[i]);
        if (!e || e->first != key) continue;
        Section s{i + 1, i + 1, 0};
        while (s.end < lines.size() && (lines[s.end].skip || lines[s.end].indent > 0)) ++s.end;
        for (std::size_t j = s.begin; j < s.end; ++j)
            if (!lines[j].skip) {
                s.indent = lines[j].indent;
                break;
            }
        return s;
    }
    return std::nullopt;
}

std::optional<std::string> scalarAt(const std::vector<Line>& lines, const std::string& key) {
    for (const auto& l : lines) {
        if (l.skip || l.indent != 0) continue;
        if (const auto e = entryOf(l); e && e->first == key) return unquote(e->second);
    }
    return std::nullopt;
}

std::optional<std::string> childScalar(const std::vector<Line>& lines, const std::string& parent, const std::string& key) {
    const auto s = topLevel(lines, parent);
    if (!s) return std::nullopt;
    for (std::size_t i = s->begin; i < s->end; ++i) {
        if (lines[i].skip || lines[i].indent != s->indent) continue;
        if (const auto e = entryOf(lines[i]); e && e->first == key) return unquote(e->second);
    }
    return std::nullopt;
}

}  // namespace

std::optional<ManifestScan> configsInManifest(std::string_view text) {
    ManifestScan scan;
    bool anyKind = false;
    for (const auto& lines : documents(text)) {
        const auto kind = scalarAt(lines, "kind");
        if (!kind) continue;
        anyKind = true;
        const std::string what = *kind + " " + childScalar(lines, "metadata", "name").value_or("(unnamed)");
        const bool nad = *kind == "NetworkAttachmentDefinition";
        const bool configMap = *kind == "ConfigMap";
        const auto section = nad ? topLevel(lines, "spec") : configMap ? topLevel(lines, "data") : std::nullopt;
        std::size_t found = 0;
        if (section) {
            for (std::size_t i = section->begin; i < section->end; ++i) {
                if (lines[i].skip || lines[i].indent != section->indent) continue;
                const auto e = entryOf(lines[i]);
                if (!e || (nad && e->first != "config")) continue;
                std::string where = what + ", " + (nad ? "spec." : "data.") + e->first;
                std::string value;
                try {
                    value = valueAt(lines, i, e->second);
                } catch (const std::invalid_argument& err) {
                    // Handed on as text that is not JSON, so the check reports it against this entry.
                    value = std::string("(unreadable YAML: ") + err.what() + ")";
                }
                // A ConfigMap may carry other files too; only JSON objects can be configs.
                if (configMap && trimmed(value).rfind('{', 0) != 0) continue;
                scan.configs.push_back(EmbeddedConfig{std::move(where), std::move(value)});
                ++found;
            }
        }
        if (found == 0) scan.skipped.push_back(what + ": holds no network or device plugin config");
    }
    if (!anyKind) return std::nullopt;
    return scan;
}

}  // namespace ibvf::diag
