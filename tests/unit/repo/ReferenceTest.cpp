// Every reference the repository makes to one of its own files (in code, comments, scripts,
// build files and docs) names a file that exists, so a reader who follows one never lands
// nowhere. Also keeps out citations of documents that are not part of the repository.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = IBVF_SOURCE_DIR;

// Top-level directories a path-like reference starts with.
const char* const kTopDirs =
    R"((?:\.ci|\.hardening|bench|deviceplugin|diag|docs|fuzz|install|ipam|lib|netconf-examples|plugin|scripts|tests)/)";

bool skippedDir(const fs::path& rel) {
    const std::string first = rel.begin()->string();
    if (first == ".git" || first.rfind("build", 0) == 0) return true;
    // Seeds and raw benchmark output are data, not prose.
    const std::string s = rel.generic_string();
    return s == "fuzz/corpus" || s == "bench/results";
}

bool scannedFile(const fs::path& p) {
    static const std::set<std::string> exts = {".cpp", ".hpp",   ".h",    ".in",  ".sh",   ".md",
                                               ".txt", ".cmake", ".yaml", ".yml", ".json", ".proto"};
    const std::string name = p.filename().string();
    return exts.count(p.extension().string()) != 0 || name == "Containerfile" || name == "run" || name == ".clang-tidy";
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> repositoryFiles() {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(kRoot); it != fs::recursive_directory_iterator(); ++it) {
        const fs::path rel = fs::relative(it->path(), kRoot);
        if (it->is_directory()) {
            if (skippedDir(rel)) it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && scannedFile(it->path())) files.push_back(rel);
    }
    return files;
}

// A reference ends at the first character a path of ours never contains; trailing sentence
// punctuation is not part of it.
std::string trimReference(std::string ref) {
    while (!ref.empty() && (ref.back() == '.' || ref.back() == ',' || ref.back() == ':' || ref.back() == ';')) {
        ref.pop_back();
    }
    return ref;
}

// "plugin/AttachmentStore" names the type's header and source, so a stem counts.
bool existsInRepository(const std::string& ref) {
    return fs::exists(kRoot / ref) || fs::exists(kRoot / (ref + ".hpp")) || fs::exists(kRoot / (ref + ".cpp"));
}

bool isPattern(const std::string& ref) { return ref.find_first_of("<>*{}%@$") != std::string::npos; }

struct Dangling {
    std::string file;
    std::string reference;
};

std::vector<Dangling> danglingPathReferences(const fs::path& rel, const std::string& text) {
    static const std::regex pathRef(std::string(R"((?:^|[^\w./-]))") + "(" + kTopDirs + R"([\w./<>*{}%@$+-]*))");
    std::vector<Dangling> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pathRef); it != std::sregex_iterator(); ++it) {
        const std::string ref = trimReference((*it)[1].str());
        if (isPattern(ref)) continue;
        if (!existsInRepository(ref)) out.push_back({rel.generic_string(), ref});
    }
    return out;
}

std::vector<Dangling> danglingMarkdownLinks(const fs::path& rel, const std::string& text) {
    static const std::regex link(R"(\]\(([^)\s]+)\))");
    std::vector<Dangling> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
        std::string target = (*it)[1].str();
        if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0 || target.rfind('#', 0) == 0 ||
            target.rfind("mailto:", 0) == 0) {
            continue;
        }
        if (const auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
        if (!fs::exists(kRoot / rel.parent_path() / target)) out.push_back({rel.generic_string(), target});
    }
    return out;
}

std::string describe(const std::vector<Dangling>& found) {
    std::ostringstream s;
    for (const auto& d : found) s << "  " << d.file << ": " << d.reference << "\n";
    return s.str();
}

}  // namespace

TEST_CASE("the scan sees the repository") {
    const auto files = repositoryFiles();
    REQUIRE(files.size() > 100);
    // A reference the scanner must recognise, and one it must flag.
    CHECK(danglingPathReferences("x.md", "see lib/cni/Dispatch.hpp.").empty());
    CHECK(danglingPathReferences("x.md",
                                 "see `lib/cni/"
                                 "NoSuchFile.hpp`")
              .size() == 1);
    CHECK(danglingPathReferences("x.md", "/var/lib/cni/ibvf and ibvf-ipam/<network>").empty());
    CHECK(danglingMarkdownLinks(fs::path("docs") / "x.md", "[a](../README.md) [b](nothere.md) [c](https://x/y)").size() == 1);
}

TEST_CASE("every path-like reference names a file or directory of the repository") {
    std::vector<Dangling> found;
    for (const auto& rel : repositoryFiles()) {
        const auto refs = danglingPathReferences(rel, readAll(kRoot / rel));
        found.insert(found.end(), refs.begin(), refs.end());
    }
    CHECK_MESSAGE(found.empty(), "references to files that do not exist:\n" << describe(found));
}

TEST_CASE("every relative markdown link resolves") {
    std::vector<Dangling> found;
    for (const auto& rel : repositoryFiles()) {
        if (rel.extension() != ".md") continue;
        const auto links = danglingMarkdownLinks(rel, readAll(kRoot / rel));
        found.insert(found.end(), links.begin(), links.end());
    }
    CHECK_MESSAGE(found.empty(), "links to files that do not exist:\n" << describe(found));
}

TEST_CASE("no file cites a document the repository does not have") {
    // Built from parts so this file does not cite them itself.
    const std::vector<std::string> outside = {std::string("DESIGN") + ".md", std::string("docs-") + "pending"};
    std::vector<Dangling> found;
    for (const auto& rel : repositoryFiles()) {
        const std::string text = readAll(kRoot / rel);
        for (const auto& name : outside) {
            if (text.find(name) != std::string::npos) found.push_back({rel.generic_string(), name});
        }
    }
    CHECK_MESSAGE(found.empty(), "citations of documents outside the repository:\n" << describe(found));
}
