#pragma once
// What every fuzz target shares: the input as text, split into fields, and the two ways a run
// ends besides returning: a rejection the parser documents (caught and ignored) and a finding
// (anything else: an undocumented exception escapes to std::terminate, a broken property calls
// finding(), and libFuzzer saves the input either way).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::fuzz {

inline std::string_view asText(const std::uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// The parts of `text` between separators (no separator: one part, the whole text).
inline std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = text.find(separator);
        out.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return out;
        text.remove_prefix(at + 1);
    }
}

// Fields separated by '\n'. Targets whose input is several values read them this way, so seeds
// stay plain text files.
inline std::vector<std::string_view> lines(std::string_view text) { return split(text, '\n'); }

// A property of the code under test does not hold for this input.
[[noreturn]] inline void finding(const std::string& what) {
    (void)std::fprintf(stderr, "ibvf fuzz finding: %s\n", what.c_str());
    std::abort();
}

// Runs `fn`, ignoring the exception types listed (the ones the parser documents for bad input).
// Any other exception propagates out of LLVMFuzzerTestOneInput, which terminates the process
// with the exception's type and what() on stderr: libFuzzer reports that as a crash.
template <class Fn>
void rejectOnly(Fn&& fn) {
    fn();
}
template <class Documented, class... More, class Fn>
void rejectOnly(Fn&& fn) {
    try {
        rejectOnly<More...>(fn);
    } catch (const Documented&) {}
}

}  // namespace ibvf::fuzz
