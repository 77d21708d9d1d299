// ibvf-diag [report]: the node report, as a table or --json.
#include <optional>

#include "diag/Cli.hpp"
#include "diag/NodeInspector.hpp"
#include "diag/ReportJson.hpp"
#include "diag/ReportText.hpp"

namespace ibvf::diag {

int runReport(Args args, std::ostream& out, std::ostream& err) {
    auto options = InspectOptions::fromEnvironment();
    bool json = false;
    const std::vector<cli::Option> cliOptions = {
        cli::switchOption("--json", "", json),
        {"--pf", "NAME", "", [&](const std::string& v) { options.pfs.push_back(v); }},
        {"--device-plugin-config", "PATH", "", [&](const std::string& v) { options.devicePluginConfig = v; }},
        {"--no-device-plugin-config", "", "", [&](const std::string&) { options.defaultDevicePluginConfig.reset(); }},
        cli::pathOption("--device-plugin-dir", "DIR", "", options.kubeletDir),
        cli::pathOption("--ipam-data-dir", "DIR", "", options.ipamDataDir),
    };
    if (const int rc = parseSubcommandArgs("report", args, cliOptions, nullptr, out, err); rc >= 0) return rc;
    const auto report = inspectNode(options, NodeAccess::real());
    if (json) {
        out << reportJson(report);
    } else {
        printReportText(report, out);
    }
    return report.problems.empty() ? kExitClean : kExitProblems;
}

}  // namespace ibvf::diag
