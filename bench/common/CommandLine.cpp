#include "CommandLine.hpp"

#include <stdexcept>

namespace ibvf::bench {

ValueOption intOption(std::string_view flag, int& into, int min) {
    return {
        flag, [flag, &into, min](const std::string& text) {
            std::size_t used = 0;
            int value = 0;
            try {
                value = std::stoi(text, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (text.empty() || used != text.size() || value < min)
                throw std::invalid_argument(std::string(flag) + " wants an integer >= " + std::to_string(min) + ", got \"" + text + "\"");
            into = value;
        }};
}

ValueOption textOption(std::string_view flag, std::string& into) {
    return {flag, [&into](const std::string& text) { into = text; }};
}

ValueOption pathOption(std::string_view flag, std::filesystem::path& into) {
    return {flag, [&into](const std::string& text) { into = text; }};
}

bool parseCommandLine(int argc, char** argv, std::initializer_list<ValueOption> options) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "-h" || flag == "--help") return false;
        const ValueOption* match = nullptr;
        for (const auto& option : options)
            if (option.flag == flag) match = &option;
        if (!match) throw std::invalid_argument("unknown option " + std::string(flag) + " (see --help)");
        if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value (see --help)");
        match->set(argv[++i]);
    }
    return true;
}

}  // namespace ibvf::bench
