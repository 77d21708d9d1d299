#pragma once
// The one version every ibvf binary reports, generated from the project version and the git
// commit the build was configured from.
#include <string>
#include <string_view>

namespace ibvf::cli {

// "0.1.0"
std::string_view version();
// The commit the build was configured from, or "unknown" outside a git checkout.
std::string_view commit();
// "<program> 0.1.0 (commit 1234abc)\n": what --version prints.
std::string versionLine(std::string_view program);

}  // namespace ibvf::cli
