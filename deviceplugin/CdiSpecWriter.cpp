#include "deviceplugin/CdiSpecWriter.hpp"

#include <set>

#include <spdlog/spdlog.h>

#include "deviceplugin/CdiSpec.hpp"
#include "linux/AtomicFile.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::dp::cdi {

namespace fs = std::filesystem;

fs::path SpecWriter::dirFromEnvironment() { return node::cdiDir(); }

void SpecWriter::report(const std::string& file, const std::string& error) {
    const auto it = reported_.find(file);
    if (it != reported_.end() && it->second == error) return;
    reported_[file] = error;
    if (error.empty())
        spdlog::info("CDI spec {} written", (dir_ / file).string());
    else
        spdlog::error("CDI spec {}: {}; Allocate answers with device specs instead", (dir_ / file).string(), error);
}

std::optional<std::string> SpecWriter::syncOne(const Pool& pool, const linux::Sysfs& sysfs) {
    std::string kind;
    try {
        kind = kindOf(pool.config);
    } catch (const std::exception& e) {
        report(pool.config.resourceName(), e.what());
        return std::nullopt;
    }
    const std::string file = specFileName(kind);
    try {
        if (pool.devices.empty()) {
            // A spec without devices is invalid CDI; nothing can be allocated from the pool anyway.
            linux::removeFile(dir_ / file);
        } else {
            const std::string text = renderSpec(pool, sysfs);
            if (linux::readFile(dir_ / file) != text) {
                linux::makeDirectories(dir_, 0755);
                linux::writeFileAtomic(dir_ / file, text, 0644, linux::Durability::CrashSafe);
            }
        }
    } catch (const std::exception& e) {
        report(file, e.what());
        return std::nullopt;
    }
    report(file, "");
    return kind;
}

std::vector<std::optional<std::string>> SpecWriter::sync(const std::vector<Pool>& pools, const linux::Sysfs& sysfs) {
    std::vector<std::optional<std::string>> kinds;
    std::set<std::string> keep;
    for (const auto& pool : pools) {
        kinds.push_back(syncOne(pool, sysfs));
        try {
            keep.insert(specFileName(kindOf(pool.config)));
        } catch (const std::exception&) {
            // no kind, no file of its own
        }
    }
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!isIbvfSpecFileName(name) || keep.count(name) != 0) continue;
        try {
            if (linux::removeFile(it->path())) spdlog::info("CDI spec {} removed: its pool is gone", it->path().string());
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what());
        }
    }
    return kinds;
}

}  // namespace ibvf::dp::cdi
