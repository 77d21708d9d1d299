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
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return args[++i];
        };
        std::optional<std::string> v;
        if (a == "--json") {
            json = true;
        } else if (a == "--help" || a == "-h") {
            out << usageText();
            return kExitClean;
        } else if (a == "--pf" && (v = value())) {
            options.pfs.push_back(*v);
        } else if (a == "--device-plugin-config" && (v = value())) {
            options.devicePluginConfig = *v;
        } else if (a == "--no-device-plugin-config") {
            options.defaultDevicePluginConfig.reset();
        } else if (a == "--device-plugin-dir" && (v = value())) {
            options.kubeletDir = *v;
        } else if (a == "--ipam-data-dir" && (v = value())) {
            options.ipamDataDir = *v;
        } else {
            err << "ibvf-diag: bad argument \"" << a << "\"\n" << usageText();
            return kExitUsage;
        }
    }
    const auto report = inspectNode(options, NodeAccess::real());
    if (json) {
        out << reportJson(report);
    } else {
        printReportText(report, out);
    }
    return report.problems.empty() ? kExitClean : kExitProblems;
}

}  // namespace ibvf::diag
