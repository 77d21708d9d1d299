#include "ExampleYaml.hpp"

#include <algorithm>

namespace ibvf::test {
namespace {

struct Line {
    std::size_t number;  // 1-based, for messages
    std::string text;
};

std::size_t indentOf(const std::string& s) { return s.find_first_not_of(' '); }

bool isBlankOrComment(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r");
    return first == std::string::npos || s[first] == '#';
}

std::string trimRight(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
    return s;
}

[[noreturn]] void unreadable(const Line& line, const std::string& why) {
    throw YamlSubsetError("line " + std::to_string(line.number) + ": " + why + ": " + line.text);
}

std::string unquote(const std::string& raw, const Line& line) {
    if (raw.empty()) return raw;
    if (raw.front() == '\'') {
        if (raw.size() < 2 || raw.back() != '\'') unreadable(line, "unterminated single-quoted scalar");
        std::string out;
        for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
            out += raw[i];
            if (raw[i] == '\'') {
                // '' is the only escape in a single-quoted scalar.
                if (raw[i + 1] != '\'' || i + 2 >= raw.size()) unreadable(line, "stray quote in single-quoted scalar");
                ++i;
            }
        }
        return out;
    }
    if (raw.front() == '"') {
        if (raw.size() < 2 || raw.back() != '"') unreadable(line, "unterminated double-quoted scalar");
        const std::string inner = raw.substr(1, raw.size() - 2);
        if (inner.find('\\') != std::string::npos) unreadable(line, "escapes in double-quoted scalars are not supported");
        return inner;
    }
    if (raw.front() == '{' || raw.front() == '&' || raw.front() == '*' || raw.front() == '!' || raw.front() == '>')
        unreadable(line, "flow mappings, anchors, tags and folded blocks are not supported");
    return raw;
}

// "key: value" / "key:" with the key unquoted; the separator is the first ": " (or a trailing ':').
std::pair<std::string, std::string> splitKey(const std::string& body, const Line& line) {
    std::size_t colon = body.find(": ");
    if (colon == std::string::npos) {
        if (body.empty() || body.back() != ':') unreadable(line, "expected 'key: value'");
        colon = body.size() - 1;
    }
    std::string key = body.substr(0, colon);
    if (key.empty() || key.front() == '"' || key.front() == '\'' || key.front() == '?')
        unreadable(line, "quoted or complex keys are not supported");
    std::string value = colon + 1 < body.size() ? body.substr(colon + 2) : std::string();
    const auto first = value.find_first_not_of(' ');
    value = first == std::string::npos ? std::string() : value.substr(first);
    return {key, value};
}

YamlDocument parseDocument(const std::vector<Line>& lines) {
    YamlDocument doc;
    struct Frame {
        std::size_t indent;
        std::string key;
    };
    std::vector<Frame> stack;
    const auto pathTo = [&](const std::string& key) {
        std::vector<std::string> path;
        for (const auto& f : stack) path.push_back(f.key);
        path.push_back(key);
        return path;
    };

    for (std::size_t i = 0; i < lines.size(); ++i) {
        const Line& line = lines[i];
        if (isBlankOrComment(line.text)) continue;
        if (line.text.find('\t') < indentOf(line.text)) unreadable(line, "tab in indentation");
        std::size_t indent = indentOf(line.text);
        std::string body = trimRight(line.text.substr(indent));

        while (!stack.empty() && stack.back().indent >= indent) stack.pop_back();
        if (body.rfind("- ", 0) == 0 || body == "-") {
            // A list item is a mapping one level down, whose first key sits after the dash.
            stack.push_back({indent, "-"});
            const auto rest = body.find_first_not_of(' ', 1);
            if (rest == std::string::npos) continue;
            indent += rest;
            body = body.substr(rest);
            if (body.find(": ") == std::string::npos && body.back() != ':') {
                doc.scalars.push_back({pathTo("-"), unquote(body, line)});
                stack.pop_back();
                continue;
            }
        }
        auto [key, value] = splitKey(body, line);
        if (value.empty()) {
            stack.push_back({indent, key});
            continue;
        }
        if (value == "|" || value == "|-" || value == "|+") {
            // Literal block: every following line indented deeper than the key (blank lines too),
            // with the first content line's indentation removed.
            std::string block;
            std::optional<std::size_t> blockIndent;
            std::size_t j = i + 1;
            for (; j < lines.size(); ++j) {
                const std::string& t = lines[j].text;
                const bool blank = t.find_first_not_of(" \r") == std::string::npos;
                if (!blank && indentOf(t) <= indent) break;
                if (blank) {
                    block += '\n';
                    continue;
                }
                if (!blockIndent) blockIndent = indentOf(t);
                if (indentOf(t) < *blockIndent) unreadable(lines[j], "literal block line is less indented than its first line");
                block += trimRight(t.substr(*blockIndent)) + '\n';
            }
            if (!blockIndent) unreadable(line, "empty literal block");
            doc.scalars.push_back({pathTo(key), block});
            i = j - 1;
            continue;
        }
        doc.scalars.push_back({pathTo(key), unquote(value, line)});
    }
    return doc;
}

}  // namespace

std::optional<std::string> YamlDocument::find(const std::vector<std::string>& path) const {
    for (const auto& s : scalars)
        if (s.path == path) return s.value;
    return std::nullopt;
}

std::vector<const YamlScalar*> YamlDocument::childrenOf(const std::vector<std::string>& prefix) const {
    std::vector<const YamlScalar*> out;
    for (const auto& s : scalars) {
        if (s.path.size() == prefix.size() + 1 && std::equal(prefix.begin(), prefix.end(), s.path.begin())) out.push_back(&s);
    }
    return out;
}

std::vector<YamlDocument> parseYamlSubset(std::string_view text) {
    std::vector<YamlDocument> docs;
    std::vector<Line> current;
    std::size_t number = 0;
    const auto flush = [&] {
        const bool empty = std::all_of(current.begin(), current.end(), [](const Line& l) { return isBlankOrComment(l.text); });
        if (!empty) docs.push_back(parseDocument(current));
        current.clear();
    };
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = text.find('\n', pos);
        const std::string lineText(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        ++number;
        if (trimRight(lineText) == "---") {
            flush();
        } else {
            current.push_back({number, lineText});
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    flush();
    return docs;
}

}  // namespace ibvf::test
