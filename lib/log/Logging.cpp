#include "log/Logging.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "log/SharedRotatingFileSink.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ibvf::log {
namespace {

std::string g_context;

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
    if (!g_context.empty()) pattern += " [" + g_context + "]";
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
    g_context = options.context;
    applyPattern();
    // A node without /var/log/ibvf (read-only, or not root) is not worth a warning on every call.
    if (!fileError.empty() && !fromDefault) spdlog::warn("cannot open log file {}: {}; logging to stderr", *file, fileError);
    if (!levelValid) spdlog::warn("unknown logLevel '{}'; using the default", *options.level);
}

void appendContext(std::string_view more) {
    // "key=value": a key already there takes the new value (a process that handles several
    // attachments, like the tests' in-process runs, must not pile them up).
    if (const auto eq = more.find('='); eq != std::string_view::npos) {
        const std::string key(more.substr(0, eq + 1));
        std::size_t at = g_context.rfind(' ' + key);
        at = at == std::string::npos ? (g_context.rfind(key, 0) == 0 ? 0 : std::string::npos) : at + 1;
        if (at != std::string::npos) {
            const std::size_t end = g_context.find(' ', at);
            g_context.replace(at, end == std::string::npos ? std::string::npos : end - at, more);
            applyPattern();
            return;
        }
    }
    if (!g_context.empty()) g_context += ' ';
    g_context += more;
    applyPattern();
}

}  // namespace ibvf::log
