#pragma once
// For the targets that work on files (in a test::ScratchDir made once per fuzzing process, under
// $TMPDIR, which scripts/hardening.sh points at tmpfs). A failure to lay out the input aborts: a
// target that could not would otherwise pass every input untested.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace ibvf::fuzz {

inline void writeFile(const std::filesystem::path& p, std::string_view content) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) std::abort();
    const bool whole = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    if (!whole) std::abort();
}

}  // namespace ibvf::fuzz
