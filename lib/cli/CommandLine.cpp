#include "cli/CommandLine.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <string_view>
#include <utility>

#include "cli/Version.hpp"

namespace ibvf::cli {

namespace {

std::string spelled(const Option& o) { return o.value.empty() ? o.flag : o.flag + " " + o.value; }

const Option* find(const std::vector<Option>& options, std::string_view flag) {
    const auto it = std::find_if(options.begin(), options.end(), [&](const Option& o) { return o.flag == flag; });
    return it == options.end() ? nullptr : &*it;
}

}  // namespace

std::string usageText(const Program& program, const std::vector<Option>& options) {
    std::string text = program.name + ": " + program.summary + "\n\nusage: " + program.name;
    if (!options.empty()) text += " [OPTION]...";
    if (!program.operands.empty()) text += " " + program.operands;
    text += "\n       " + program.name + " --version | --help\n";
    if (!options.empty()) {
        std::size_t width = 0;
        for (const auto& o : options) width = std::max(width, spelled(o).size());
        text += "\noptions:\n";
        const std::string indent(2 + width + 2, ' ');
        for (const auto& o : options) {
            std::string line = "  " + spelled(o);
            line.resize(2 + width + 2, ' ');
            std::string help = o.help;
            for (std::size_t at = help.find('\n'); at != std::string::npos; at = help.find('\n', at + 1 + indent.size()))
                help.insert(at + 1, indent);
            text += line + help + "\n";
        }
    }
    if (!program.epilog.empty()) text += "\n" + program.epilog + (program.epilog.back() == '\n' ? "" : "\n");
    return text;
}

Request parse(const Program& program, const std::vector<Option>& options, int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") return Request::Help;
        if (arg == "--version") return Request::Version;
        if (arg.size() > 1 && arg.front() == '-') {
            const Option* option = find(options, arg);
            if (!option) throw std::invalid_argument("unknown option " + std::string(arg));
            std::string value;
            if (!option->value.empty()) {
                if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value (" + option->value + ")");
                value = argv[++i];
            }
            try {
                option->set(value);
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument(std::string(arg) + ": " + e.what());
            }
            continue;
        }
        if (!program.operand)
            throw std::invalid_argument("unexpected argument \"" + std::string(arg) + "\": " + program.name + " takes none");
        program.operand(std::string(arg));
    }
    return Request::Run;
}

int handle(const Program& program, const std::vector<Option>& options, int argc, const char* const* argv, std::ostream& out,
           std::ostream& err) {
    try {
        switch (parse(program, options, argc, argv)) {
            case Request::Help:
                out << (program.parent.empty() ? usageText(program, options) : program.parentHelp);
                return 0;
            case Request::Version:
                out << versionLine(program.parent.empty() ? program.name : program.parent);
                return 0;
            case Request::Run:
                return -1;
        }
    } catch (const std::invalid_argument& e) {
        err << program.name << ": " << e.what() << "\n(" << (program.parent.empty() ? program.name : program.parent)
            << " --help lists the options)\n";
    }
    return 2;
}

Option textOption(std::string flag, std::string value, std::string help, std::string& into) {
    return {std::move(flag), std::move(value), std::move(help), [&into](const std::string& text) {
                if (text.empty()) throw std::invalid_argument("wants a value, got an empty string");
                into = text;
            }};
}

Option pathOption(std::string flag, std::string value, std::string help, std::filesystem::path& into) {
    return {std::move(flag), std::move(value), std::move(help), [&into](const std::string& text) {
                if (text.empty()) throw std::invalid_argument("wants a path, got an empty string");
                into = text;
            }};
}

std::optional<long> parseWholeNumber(const std::string& text) {
    std::size_t used = 0;
    long parsed = 0;
    try {
        parsed = std::stol(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (text.empty() || used != text.size()) return std::nullopt;
    return parsed;
}

Option intOption(std::string flag, std::string value, std::string help, int& into, int min) {
    return {std::move(flag), std::move(value), std::move(help), [&into, min](const std::string& text) {
                const auto parsed = parseWholeNumber(text);
                if (!parsed || *parsed < min || *parsed > std::numeric_limits<int>::max())
                    throw std::invalid_argument("wants a whole number >= " + std::to_string(min) + ", got \"" + text + "\"");
                into = static_cast<int>(*parsed);
            }};
}

Option switchOption(std::string flag, std::string help, bool& into) {
    return {std::move(flag), {}, std::move(help), [&into](const std::string&) { into = true; }};
}

}  // namespace ibvf::cli
