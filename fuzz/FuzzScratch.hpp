#pragma once
// A directory for the targets that work on files, made once per fuzzing process (under $TMPDIR,
// which install/hardening.sh points at tmpfs) and removed when it ends. Any failure to set it up
// aborts: a target that cannot lay out its input would otherwise pass every input untested.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace ibvf::fuzz {

class Scratch {
public:
    explicit Scratch(std::string_view name) {
        std::string pattern = (std::filesystem::temp_directory_path() / ("ibvf-fuzz-" + std::string(name) + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        dir_ = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

inline void writeFile(const std::filesystem::path& p, std::string_view content) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) std::abort();
    const bool whole = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    if (!whole) std::abort();
}

}  // namespace ibvf::fuzz
