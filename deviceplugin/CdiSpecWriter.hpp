#pragma once
// Keeps one CDI spec file per resource pool in the spec directory (/var/run/cdi, IBVF_CDI_DIR):
// written atomically (a runtime never reads half a file), rewritten only when its content
// changes, removed when its pool is gone or empty. Files are found by name ("<prefix>.ibvf-<name>.json"),
// so a spec left by an older version is replaced, not duplicated. Specs stay at shutdown: a
// container restarted while the plugin is down still resolves its devices.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "deviceplugin/Discovery.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::dp::cdi {

class SpecWriter {
public:
    explicit SpecWriter(std::filesystem::path dir) : dir_(std::move(dir)) {}
    static std::filesystem::path dirFromEnvironment();  // node::cdiDir()

    const std::filesystem::path& dir() const { return dir_; }

    // For each pool (same order), its kind when the spec on disk describes the pool's devices now,
    // nullopt when it could not be written (logged once per distinct error). Then removes ibvf
    // specs of pools that are not in the list.
    std::vector<std::optional<std::string>> sync(const std::vector<Pool>& pools, const linux::Sysfs& sysfs);

private:
    std::optional<std::string> syncOne(const Pool& pool, const linux::Sysfs& sysfs);
    void report(const std::string& file, const std::string& error);

    std::filesystem::path dir_;
    std::map<std::string, std::string> reported_;  // file -> last error logged
};

}  // namespace ibvf::dp::cdi
