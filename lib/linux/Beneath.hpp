#pragma once
// Files opened strictly beneath a directory the caller trusts, for paths that an untrusted party
// names (a NetworkAttachmentDefinition is written by namespace users; ibvf runs as root): the
// kernel resolves the path relative to the directory fd and refuses "..", absolute paths and
// every symlink on the way (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so nothing outside
// the directory can be reached, however the tree beneath it changes meanwhile.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "linux/Fd.hpp"

namespace ibvf::linux {

// The lexical half: `path` as a path relative to `dir` when it is a relative path without "..",
// or an absolute one starting with `dir` + "/"; at most maxPathBytes long, maxDepth directories
// deep, names of at most 255 bytes, no control character. Refused otherwise, saying why.
struct PathBeneath {
    std::string relative;  // "x.pem", "a/b.log"; empty when refused
    std::string refusal;
    bool accepted() const { return !relative.empty(); }
};
PathBeneath pathBeneath(std::string_view path, std::string_view dir, std::size_t maxDepth, std::size_t maxPathBytes);

// openat2(dirFd, relative, flags | O_CLOEXEC | O_NOFOLLOW, mode) with no escape from dirFd and no
// symlink followed. An invalid Fd with errno set on failure (EXDEV: it would leave the directory,
// ELOOP: a symlink). Kernels before 5.6 (no openat2): one plain name only, opened O_NOFOLLOW.
Fd openBeneath(int dirFd, const std::string& relative, int flags, mode_t mode = 0);

// The directory `relative` ("a/b") beneath dirFd, each missing component created with `mode`
// when `create`, walked one name at a time under the rules above. An empty `relative` is dirFd
// itself (dup'ed). Throws KernelError naming the component.
Fd directoryBeneath(int dirFd, std::string_view relative, bool create, mode_t mode = 0750);

// The whole content of a regular file beneath dirFd, at most maxBytes (more: KernelError EFBIG).
// Never puts any of the content into an error.
std::string readFileBeneath(int dirFd, const std::string& relative, std::size_t maxBytes);

// A directory opened as it is named (a trusted path: a node setting, an env override).
Fd openDirectory(const std::string& path);

}  // namespace ibvf::linux
