// ibvf-diag check-config [--json] FILE...: every file checked, exit 1 when any has an error.
#include "diag/CheckConfigReport.hpp"
#include "diag/Cli.hpp"
#include "linux/AtomicFile.hpp"

namespace ibvf::diag {

int runCheckConfig(Args args, std::ostream& out, std::ostream& err) {
    bool json = false;
    std::vector<std::string> paths;
    const std::vector<cli::Option> cliOptions = {cli::switchOption("--json", "", json)};
    if (const int rc = parseSubcommandArgs(
            "check-config", args, cliOptions, [&](const std::string& path) { paths.push_back(path); }, out, err);
        rc >= 0)
        return rc;
    if (paths.empty()) {
        err << "ibvf-diag check-config: name the file(s) to check\n" << usageText();
        return kExitUsage;
    }
    std::vector<CheckedFile> files;
    for (const auto& path : paths) {
        std::optional<std::string> text;
        try {
            text = linux::readFile(path);
        } catch (const std::exception& e) {
            err << "ibvf-diag check-config: " << e.what() << "\n";
            return kExitUsage;
        }
        if (!text) {
            err << "ibvf-diag check-config: " << path << ": no such file\n";
            return kExitUsage;
        }
        files.push_back(CheckedFile{path, checkConfigText(*text)});
    }
    if (json) {
        out << configChecksJson(files);
    } else {
        printConfigChecksText(files, out);
    }
    for (const auto& f : files)
        if (f.check.errors() > 0) return kExitProblems;
    return kExitClean;
}

}  // namespace ibvf::diag
