#include "diag/Cli.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "cli/Version.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::diag {

const std::vector<Subcommand>& subcommands() {
    static const std::vector<Subcommand> table = {
        {"report",
         "[report] [--json] [--pf NAME]... [--device-plugin-config PATH | --no-device-plugin-config]\n"
         "                 [--device-plugin-dir DIR] [--ipam-data-dir DIR]",
         "PFs, VFs, the pods holding them, allocations, leases and the problems seen (the default)", runReport},
        {"check-config", "check-config [--json] FILE...",
         "validate netconfs, conflists, NAD/ConfigMap YAML and device plugin configs with ibvf's own parsers", runCheckConfig},
    };
    return table;
}

std::string usageText() {
    // The layout of every ibvf program's --help (lib/cli), with the subcommands in place of options.
    std::string s =
        "ibvf-diag: the operator's view of a node (VFs, the pods holding them, allocations, leases, problems) and a "
        "config checker\n\n";
    std::string lead = "usage: ";
    for (const auto& c : subcommands()) {
        s += lead + "ibvf-diag " + std::string(c.synopsis) + "\n";
        lead = "       ";
    }
    s += lead + "ibvf-diag --version | --help\n\nsubcommands:\n";
    std::size_t width = 0;
    for (const auto& c : subcommands()) width = std::max(width, c.name.size());
    for (const auto& c : subcommands())
        s += "  " + std::string(c.name) + std::string(width - c.name.size() + 2, ' ') + std::string(c.summary) + "\n";
    s += "\nexit codes: 0 nothing wrong, 1 problems or config errors found, 2 usage or internal error\n";
    std::string names = "IBVF_SYSFS_ROOT";
    std::string defaults = "/sys";
    for (const auto& o : {node::kStateRoot, node::kRunDir, node::kKubeletDevicePluginsDir}) {
        names += std::string(", ") + o.env;
        defaults += std::string(", ") + o.fallback;
    }
    s += "environment: " + names + " (test overrides of " + defaults + ")\n";
    return s;
}

int parseSubcommandArgs(std::string_view subcommand, Args args, const std::vector<cli::Option>& options,
                        std::function<void(const std::string&)> operand, std::ostream& out, std::ostream& err) {
    const cli::Program program{"ibvf-diag " + std::string(subcommand), {}, {}, std::move(operand), {}, "ibvf-diag", usageText()};
    std::vector<const char*> argv{"ibvf-diag"};
    for (const auto& a : args) argv.push_back(a.c_str());
    // cli::handle answers 0 (help, version), 2 (refused) or -1 (run): ibvf-diag's own codes.
    static_assert(kExitClean == 0 && kExitUsage == 2);
    return cli::handle(program, options, static_cast<int>(argv.size()), argv.data(), out, err);
}

int runCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    const std::vector<std::string> rest(argv.size() > 1 ? argv.begin() + 1 : argv.end(), argv.end());
    if (!rest.empty() && (rest.front() == "--help" || rest.front() == "-h" || rest.front() == "help")) {
        out << usageText();
        return kExitClean;
    }
    if (rest.size() == 1 && rest.front() == "--version") {
        out << cli::versionLine("ibvf-diag");
        return kExitClean;
    }
    const Subcommand* command = &subcommands().front();
    Args args(rest);
    if (!rest.empty() && rest.front().rfind('-', 0) != 0) {
        const auto it =
            std::find_if(subcommands().begin(), subcommands().end(), [&](const Subcommand& c) { return c.name == rest.front(); });
        if (it == subcommands().end()) {
            err << "ibvf-diag: unknown subcommand \"" << rest.front() << "\"\n" << usageText();
            return kExitUsage;
        }
        command = &*it;
        args = args.subspan(1);
    }
    try {
        return command->run(args, out, err);
    } catch (const std::exception& e) {
        err << "ibvf-diag " << command->name << ": " << e.what() << "\n";
        return kExitUsage;
    }
}

}  // namespace ibvf::diag
