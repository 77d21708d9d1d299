#include "CniInstall.hpp"

#include <sys/stat.h>

#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::install {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kExecutableMode = 0755;

bool isValidBinaryName(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

bool hasExecutableMode(const fs::path& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == kExecutableMode;
}

InstallOutcome installOne(const fs::path& sourceDir, const fs::path& destDir, const std::string& name) {
    const fs::path source = sourceDir / name;
    const fs::path dest = destDir / name;
    const std::string what = name + " (" + source.string() + " -> " + dest.string() + ")";
    try {
        const auto content = linux::readFile(source);
        if (!content) throw InstallError("install " + what + ": the image has no " + source.string());
        // An empty source is a broken image, and copying it would break every pod start on the node.
        if (content->empty()) throw InstallError("install " + what + ": " + source.string() + " is empty");

        if (linux::readFile(dest) == content && hasExecutableMode(dest)) return {name, InstallAction::AlreadyCurrent, content->size()};

        linux::writeFileAtomic(dest, *content, kExecutableMode, linux::Durability::Durable);
        // Read back through a fresh open: a filesystem that lost or mangled the write (full disk
        // reported late, an overlay that is not what we think) must not pass as installed.
        if (linux::readFile(dest) != content || !hasExecutableMode(dest))
            throw InstallError("install " + what + ": read-back does not match what was written");
        return {name, InstallAction::Copied, content->size()};
    } catch (const linux::KernelError& e) {
        throw InstallError("install " + what + ": " + e.what());
    }
}

}  // namespace

std::vector<InstallOutcome> installBinaries(const InstallRequest& request) {
    if (request.binaries.empty()) throw InstallError("install: no binaries named");
    for (const auto& name : request.binaries)
        if (!isValidBinaryName(name)) throw InstallError("install: '" + name + "' is not a file name");
    std::error_code ec;
    if (!fs::is_directory(request.destDir, ec))
        throw InstallError("install: destination " + request.destDir.string() +
                           " is not a directory (is the node's CNI bin directory mounted there?)");

    std::vector<InstallOutcome> outcomes;
    for (const auto& name : request.binaries) outcomes.push_back(installOne(request.sourceDir, request.destDir, name));
    return outcomes;
}

}  // namespace ibvf::install
