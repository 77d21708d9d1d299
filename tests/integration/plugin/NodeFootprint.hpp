#pragma once
// Everything an ADD can leave on a PluginLab node, captured at once so that "after DEL" (or after
// a fault and its recovery) can be compared with "before ADD": the host namespace, the pods'
// namespaces, the plugin's state directory (attachment states and VF claims) and the lease
// store's per-attachment files. The lease store's `lock` and `cursors` stay by design (the
// round-robin cursor moves on), and so do the per-VF lock files (FileLock.hpp says why).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "PluginLab.hpp"

namespace ibvf::test {

// Regular files and symlinks under `dir`, relative to it, sorted; empty when `dir` is missing.
inline std::vector<std::string> filesUnder(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_directory(ec) || it->is_symlink(ec)) out.push_back(it->path().lexically_relative(dir).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The lease store's records, leases and a leftover .pending of one network.
inline std::vector<std::string> leaseStoreFiles(const PluginLab& lab, const std::string& network = "ibnet") {
    const auto dir = lab.leasesDir(network);
    std::vector<std::string> out;
    for (const char* sub : {"attachments", "leases"}) {
        for (const auto& f : filesUnder(dir / sub)) out.push_back(std::string(sub) + "/" + f);
    }
    std::error_code ec;
    if (std::filesystem::symlink_status(dir / ".pending", ec).type() != std::filesystem::file_type::not_found) {
        out.push_back(".pending");
    }
    return out;
}

struct NodeFootprint {
    HostSnapshot host;
    std::vector<HostSnapshot> pods;
    std::vector<std::string> stateFiles;
    std::vector<std::string> leaseFiles;

    static NodeFootprint capture(const PluginLab& lab, const std::vector<std::string>& podPaths) {
        NodeFootprint f;
        f.host = HostSnapshot::capture();
        for (const auto& p : podPaths) f.pods.push_back(HostSnapshot::capture(p));
        f.stateFiles = filesUnder(lab.attachmentsDir());
        f.leaseFiles = leaseStoreFiles(lab);
        return f;
    }
    friend bool operator==(const NodeFootprint&, const NodeFootprint&) = default;

    bool nodeChanged(const NodeFootprint& before) const { return host != before.host || pods != before.pods; }

    // What differs, section by section; empty when equal.
    std::string diff(const NodeFootprint& after) const {
        std::string out;
        auto section = [&](const std::string& name, const std::string& d) {
            if (!d.empty()) out += "[" + name + "]\n" + d;
        };
        auto files = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
            std::string d;
            for (const auto& x : a) {
                if (std::find(b.begin(), b.end(), x) == b.end()) d += "- " + x + "\n";
            }
            for (const auto& x : b) {
                if (std::find(a.begin(), a.end(), x) == a.end()) d += "+ " + x + "\n";
            }
            return d;
        };
        section("host", host.diff(after.host));
        for (std::size_t i = 0; i < pods.size() && i < after.pods.size(); ++i) {
            section("pod " + std::to_string(i), pods[i].diff(after.pods[i]));
        }
        section("state dir", files(stateFiles, after.stateFiles));
        section("lease store", files(leaseFiles, after.leaseFiles));
        return out;
    }
};

}  // namespace ibvf::test
