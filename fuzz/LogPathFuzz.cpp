// The logFile of a network config (written by namespace users, used by root): the lexical policy
// (log/LogPath.hpp) and then the kernel half, creating and opening what it accepted beneath a
// scratch log directory that has symlinks planted to a directory beside it. Line 1: the
// configured logFile; line 2, if any: the log directory as IBVF_LOG_DIR would name it (only the
// lexical check uses it). Properties: whatever is accepted is a plain relative path without "..",
// control bytes or more depth than allowed, and nothing is ever created outside the log directory.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "FuzzFiles.hpp"
#include "FuzzInput.hpp"
#include "linux/Beneath.hpp"
#include "log/LogPath.hpp"
#include "node/NodePaths.hpp"
#include "support/ScratchDir.hpp"

namespace {

namespace fs = std::filesystem;

// root/log is the log directory; root/outside must stay as it is: one file, nothing else.
struct Layout {
    ibvf::test::ScratchDir root;
    fs::path log = root.path() / "log";
    fs::path outside = root.path() / "outside";
    Layout() {
        fs::create_directories(log);
        fs::create_directories(outside);
        ibvf::fuzz::writeFile(outside / "passwd", "root:x:0:0\n");
        fs::create_directory_symlink("../outside", log / "d");
        fs::create_symlink("../outside/passwd", log / "f");
        fs::create_symlink("../outside/new", log / "n");
    }
    // Everything but the planted symlinks, so that each input starts from the same tree.
    void reset() const {
        for (const auto& e : fs::directory_iterator(log)) {
            const auto name = e.path().filename();
            if (name != "d" && name != "f" && name != "n") fs::remove_all(e.path());
        }
    }
    bool outsideUntouched() const {
        std::size_t entries = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(outside)) ++entries;
        return entries == 1 && fs::file_size(outside / "passwd") == 11;
    }
};

void checkAccepted(std::string_view configured, const std::string& relative) {
    using ibvf::fuzz::finding;
    if (relative.front() == '/') finding("accepted '" + std::string(configured) + "' as absolute " + relative);
    std::size_t names = 0;
    for (const auto name : ibvf::fuzz::split(relative, '/')) {
        ++names;
        if (name.empty() || name == "." || name == "..") finding("accepted '" + std::string(configured) + "' as " + relative);
    }
    if (names > ibvf::log::kMaxLogSubdirs + 1) finding("accepted too deep a path: " + relative);
    for (const char c : relative) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) finding("accepted a control byte in " + relative);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    static const Layout layout;
    const auto fields = fuzz::lines(fuzz::asText(data, size));
    const std::string_view configured = fields[0];
    const std::string_view dir = fields.size() > 1 ? fields[1] : std::string_view(node::kLogDir.fallback);
    for (const char c : log::printable(configured)) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) fuzz::finding("printable() left a control byte");
    }
    const auto lexical = log::confineLogPath(configured, dir);
    if (lexical.accepted()) checkAccepted(configured, lexical.relative);

    // The kernel half, on the scratch tree: the path as a name beneath its log directory.
    const auto beneath = log::confineLogPath(configured, layout.log.string());
    if (beneath.accepted()) {
        checkAccepted(configured, beneath.relative);
        try {
            const linux::Fd base = linux::openDirectory(layout.log.string());
            const auto slash = beneath.relative.rfind('/');
            const linux::Fd parent =
                linux::directoryBeneath(base.get(), slash == std::string::npos ? "" : beneath.relative.substr(0, slash), true);
            const std::string leaf = slash == std::string::npos ? beneath.relative : beneath.relative.substr(slash + 1);
            (void)linux::openBeneath(parent.get(), leaf, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK, 0600);
        } catch (const std::system_error&) {
            // Refused on the way (a symlink, a name too long for the kernel): documented.
        }
        if (!layout.outsideUntouched()) fuzz::finding("'" + std::string(configured) + "' reached outside the log directory");
        layout.reset();
    }
    return 0;
}
