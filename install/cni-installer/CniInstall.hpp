#pragma once
// Puts the CNI binaries into the node's CNI directory the way a running kubelet can tolerate: each
// is written under a temporary name in the destination directory, fsynced, then renamed over the
// old one, so a runtime exec'ing `ibvf` at that moment gets the old file or the new one, never a
// half-written one. The result is read back and compared before it counts as installed.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace ibvf::install {

// What went wrong, with the binary and both paths in the message.
class InstallError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct InstallRequest {
    std::filesystem::path sourceDir;    // where the image keeps them, e.g. /usr/lib/cni
    std::filesystem::path destDir;      // the node's directory as mounted, e.g. /host/opt/cni/bin
    std::vector<std::string> binaries;  // file names, e.g. {"ibvf", "ibvf-ipam"}
};

enum class InstallAction { Copied, AlreadyCurrent };

struct InstallOutcome {
    std::string binary;
    InstallAction action = InstallAction::Copied;
    std::size_t bytes = 0;
};

// Installs every binary in order; stops at the first failure (InstallError). A destination file
// with the same content and mode 0755 is left alone, so a restarted installer does not churn the
// node's directory. The destination directory must exist: creating /opt/cni/bin on a node that
// has none would hide a wrong hostPath mount.
std::vector<InstallOutcome> installBinaries(const InstallRequest& request);

}  // namespace ibvf::install
