#include "log/Logging.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "log/SharedRotatingFileSink.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ibvf::log {
namespace {

// The per-line context, "key=value" items in the order they were first given; an item without
// '=' has no key and is never replaced.
struct ContextItem {
    std::string key;
    std::string text;
};
std::vector<ContextItem> g_context;

void putContextItem(std::string_view text) {
    const auto eq = text.find('=');
    const std::string key(eq == std::string_view::npos ? std::string_view{} : text.substr(0, eq));
    if (!key.empty()) {
        for (auto& item : g_context) {
            if (item.key == key) {
                item.text = text;
                return;
            }
        }
    }
    g_context.push_back({key, std::string(text)});
}

// spdlog reads the context as pattern: a '%' in a container ID or ifname must stay literal.
std::string patternLiteral(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '%') out += '%';
        out += c;
    }
    return out;
}

spdlog::level::level_enum parseLevel(const std::optional<std::string>& text, spdlog::level::level_enum fallback,
                                     bool& valid) {
    valid = true;
    if (!text || text->empty()) return fallback;
    const auto level = spdlog::level::from_str(*text);
    // from_str maps unknown text to "off"; only accept "off" when it was asked for.
    if (level == spdlog::level::off && *text != "off") {
        valid = false;
        return fallback;
    }
    return level;
}

void applyPattern() {
    std::string pattern = "%Y-%m-%dT%H:%M:%S.%e %P %n %l";
    if (!g_context.empty()) {
        pattern += " [";
        for (std::size_t i = 0; i < g_context.size(); ++i) {
            if (i > 0) pattern += ' ';
            pattern += patternLiteral(g_context[i].text);
        }
        pattern += ']';
    }
    pattern += " %v";
    spdlog::default_logger()->set_pattern(pattern);
}

}  // namespace

std::string defaultLogFile(std::string_view program) {
    const char* dir = std::getenv("IBVF_LOG_DIR");
    const std::filesystem::path base = (dir != nullptr && *dir != '\0') ? dir : "/var/log/ibvf";
    return (base / (std::string(program) + ".log")).string();
}

void setup(const LogOptions& options) {
    bool levelValid = true;
    std::shared_ptr<spdlog::logger> logger;
    std::string fileError;
    std::optional<std::string> file = options.file;
    const bool fromDefault = (!file || file->empty()) && options.defaultFile;
    if (fromDefault) file = defaultLogFile(options.program);
    if (file && !file->empty()) {
        try {
            auto sink = std::make_shared<SharedRotatingFileSink>(*file, kLogFileMaxBytes, kLogFilesKept);
            logger = std::make_shared<spdlog::logger>(options.program, std::move(sink));
            logger->set_level(parseLevel(options.level, spdlog::level::info, levelValid));
        } catch (const std::exception& e) {
            fileError = e.what();
        }
    }
    if (!logger) {
        logger = std::make_shared<spdlog::logger>(options.program, std::make_shared<spdlog::sinks::stderr_sink_mt>());
        logger->set_level(parseLevel(options.level, spdlog::level::warn, levelValid));
    }
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
    g_context.clear();
    std::string_view rest = options.context;
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        if (space != 0) putContextItem(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    applyPattern();
    // A node without /var/log/ibvf (read-only, or not root) is not worth a warning on every call.
    if (!fileError.empty() && !fromDefault) spdlog::warn("cannot open log file {}: {}; logging to stderr", *file, fileError);
    if (!levelValid) spdlog::warn("unknown logLevel '{}'; using the default", *options.level);
}

void appendContext(std::string_view more) {
    // A key already there takes the new value: a process that handles several attachments, like
    // the tests' in-process runs, must not pile them up.
    putContextItem(more);
    applyPattern();
}

}  // namespace ibvf::log
