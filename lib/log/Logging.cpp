#include "log/Logging.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "linux/Beneath.hpp"
#include "log/LogPath.hpp"
#include "log/SharedRotatingFileSink.hpp"
#include "node/NodePaths.hpp"

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

spdlog::level::level_enum parseLevel(const std::optional<std::string>& text, spdlog::level::level_enum fallback, bool& valid) {
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

// The file `relative` beneath `dir`, the directories between created beneath it: `dir` is
// trusted (the log directory, or a daemon's --log-file), `relative` only beneath it.
std::shared_ptr<SharedRotatingFileSink> openSink(const std::filesystem::path& dir, const std::string& relative) {
    std::filesystem::create_directories(dir);
    const linux::Fd base = linux::openDirectory(dir.string());
    const auto slash = relative.rfind('/');
    const std::string leaf = slash == std::string::npos ? relative : relative.substr(slash + 1);
    linux::Fd parent = linux::directoryBeneath(base.get(), slash == std::string::npos ? "" : relative.substr(0, slash),
                                               /*create=*/true);
    return std::make_shared<SharedRotatingFileSink>(std::move(parent), leaf, kLogFileMaxBytes, kLogFilesKept);
}

}  // namespace

std::string defaultLogFile(std::string_view program) { return node::logDir() + "/" + std::string(program) + ".log"; }

void setup(const LogOptions& options) {
    bool levelValid = true;
    std::shared_ptr<SharedRotatingFileSink> sink;
    std::string fileError;  // the configured file could not be opened
    std::string refusal;    // the configured file is not allowed
    std::string usedFile;
    const std::string logDir = node::logDir();
    const std::string defaultName = options.program + ".log";
    const bool configured = options.file && !options.file->empty();
    if (configured && options.fileTrusted) {
        const std::filesystem::path path(*options.file);
        try {
            sink = openSink(path.has_parent_path() ? path.parent_path() : ".", path.filename().string());
            usedFile = *options.file;
        } catch (const std::exception& e) {
            fileError = e.what();
        }
    } else if (configured) {
        const linux::PathBeneath decision = confineLogPath(*options.file, logDir);
        if (!decision.accepted()) {
            refusal = decision.refusal;
        } else {
            try {
                sink = openSink(logDir, decision.relative);
                usedFile = logDir + "/" + decision.relative;
            } catch (const std::exception& e) {
                // A symlink or ".." met on the way, or a file that is no regular file: refused too.
                refusal = e.what();
            }
        }
    }
    if (!sink && (options.defaultFile || !refusal.empty())) {
        try {
            sink = openSink(logDir, defaultName);
            usedFile = logDir + "/" + defaultName;
        } catch (const std::exception& e) {
            if (configured && refusal.empty()) fileError = e.what();
        }
    }
    std::shared_ptr<spdlog::logger> logger;
    if (sink) {
        logger = std::make_shared<spdlog::logger>(options.program, std::move(sink));
        logger->set_level(parseLevel(options.level, spdlog::level::info, levelValid));
    } else {
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
    const std::string where = usedFile.empty() ? std::string("stderr") : usedFile;
    if (!refusal.empty()) {
        spdlog::warn("logFile '{}' refused ({}): only a file inside {} may be named; logging to {}", printable(*options.file),
                     printable(refusal), logDir, where);
    } else if (!fileError.empty()) {
        spdlog::warn("cannot open log file {}: {}; logging to {}", printable(*options.file), printable(fileError), where);
    }
    if (!levelValid) spdlog::warn("unknown logLevel '{}'; using the default", printable(*options.level));
}

void appendContext(std::string_view more) {
    // A key already there takes the new value: a process that handles several attachments, like
    // the tests' in-process runs, must not pile them up.
    putContextItem(more);
    applyPattern();
}

}  // namespace ibvf::log
