#pragma once
// A file is either its old content or its new content, never a mix: write a temp file in the same
// directory, fsync it, rename over the target, fsync the directory.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ibvf::linux {

// The temp file is "<name>.tmp.<pid>.<n>" and is removed on any failure; only a writer killed
// outright (SIGKILL, power loss) leaves one behind, never a partial target.
//
// Durable also survives power loss (fsync of the file and the directory, which costs
// milliseconds on a busy disk). CrashSafe survives the writer being killed at any point, which is all that state
// about namespaces and netdevs needs: a reboot takes those away anyway.
//
// A CrashSafe replace swaps the new file with the old one (renameat2 RENAME_EXCHANGE) and then
// removes the old content, instead of renaming over it: ext4 starts writing out a file renamed over
// another at once (its auto_da_alloc guard against unsynced replaces), and removing that file
// later then waits for the disk (docs/performance.md). Readers still see either content, whole.
enum class Durability { Durable, CrashSafe };
void writeFileAtomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0600,
                     Durability durability = Durability::Durable);
// The same, but only when `path` does not exist yet: the temp file is link(2)ed to it, which
// fails if the name is taken (returns false, nothing written). Two racing creators: one wins.
bool createFileAtomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0600,
                      Durability durability = Durability::Durable);
// One more name for an existing file (link(2)): false, with nothing changed, when `name` exists,
// so of two racing linkers one wins. No fsync: for CrashSafe files.
bool linkFile(const std::filesystem::path& existing, const std::filesystem::path& name);
// Swaps the names `a` and `b` in one step. False, with nothing changed, when either does not exist
// or the filesystem cannot swap; throws KernelError on other errors.
bool exchangeFiles(const std::filesystem::path& a, const std::filesystem::path& b);
// True for writeFileAtomic's temp names, so directory scans can skip them.
bool isAtomicTempFileName(std::string_view filename);
// Removes temp files in `dir` whose writer process no longer exists; returns how many.
std::size_t removeStaleTempFiles(const std::filesystem::path& dir);
// nullopt when the file does not exist; throws KernelError naming the path on other errors.
std::optional<std::string> readFile(const std::filesystem::path& path);
// true when removed, false when it was not there.
bool removeFile(const std::filesystem::path& path);
void makeDirectories(const std::filesystem::path& dir, unsigned mode = 0700);

}  // namespace ibvf::linux
