// The binaries run as root on every node, so they carry the hardening a distribution build
// gives its own: stack protector, _FORTIFY_SOURCE's checked libc calls, and full RELRO (the
// relocation tables read-only after start, every symbol bound at load). Read from the ELF files
// themselves, so a build that loses a flag fails here.
#include <doctest/doctest.h>

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "support/BinaryRunner.hpp"

namespace {

struct ElfFacts {
    bool relro = false;             // PT_GNU_RELRO
    bool dynamic = false;           // PT_DYNAMIC: loaded by ld.so
    bool bindNow = false;           // DF_BIND_NOW or DF_1_NOW
    std::set<std::string> symbols;  // .symtab and .dynsym names
};

template <typename T>
T at(const std::string& image, std::size_t offset) {
    REQUIRE(offset + sizeof(T) <= image.size());
    T value;
    std::memcpy(&value, image.data() + offset, sizeof(T));
    return value;
}

ElfFacts readElf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string image{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    REQUIRE_MESSAGE(image.size() > sizeof(Elf64_Ehdr), path);
    const auto eh = at<Elf64_Ehdr>(image, 0);
    REQUIRE(std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0);
    REQUIRE(eh.e_ident[EI_CLASS] == ELFCLASS64);
    ElfFacts facts;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        const auto ph = at<Elf64_Phdr>(image, eh.e_phoff + std::size_t{i} * eh.e_phentsize);
        if (ph.p_type == PT_GNU_RELRO) facts.relro = true;
        if (ph.p_type != PT_DYNAMIC) continue;
        facts.dynamic = true;
        for (std::size_t off = ph.p_offset; off + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz; off += sizeof(Elf64_Dyn)) {
            const auto dyn = at<Elf64_Dyn>(image, off);
            if (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_BIND_NOW) != 0) facts.bindNow = true;
            if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_NOW) != 0) facts.bindNow = true;
            if (dyn.d_tag == DT_BIND_NOW) facts.bindNow = true;
        }
    }
    std::vector<Elf64_Shdr> sections;
    for (unsigned i = 0; i < eh.e_shnum; ++i) {
        sections.push_back(at<Elf64_Shdr>(image, eh.e_shoff + std::size_t{i} * eh.e_shentsize));
    }
    for (const auto& sh : sections) {
        if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) continue;
        REQUIRE(sh.sh_link < sections.size());
        const auto& strtab = sections[sh.sh_link];
        for (std::size_t off = sh.sh_offset; off + sizeof(Elf64_Sym) <= sh.sh_offset + sh.sh_size; off += sizeof(Elf64_Sym)) {
            const auto sym = at<Elf64_Sym>(image, off);
            const std::size_t name = strtab.sh_offset + sym.st_name;
            if (sym.st_name == 0 || name >= image.size()) continue;
            facts.symbols.insert(std::string(image.c_str() + name));
        }
    }
    return facts;
}

bool hasFortifiedCall(const ElfFacts& facts) {
    for (const auto& s : facts.symbols) {
        if (s.size() > 6 && s.rfind("__", 0) == 0 && s.compare(s.size() - 4, 4, "_chk") == 0 && s != "__stack_chk_fail" &&
            s != "__stack_chk_guard") {
            return true;
        }
    }
    return false;
}

// What the checks below demand of one binary; empty when it is hardened.
std::string missingHardening(const std::string& path) {
    const ElfFacts f = readElf(path);
    std::string missing;
    if (!f.relro) missing += " RELRO";
    if (f.dynamic && !f.bindNow) missing += " BIND_NOW";
    if (f.symbols.count("__stack_chk_fail") == 0) missing += " stack-protector";
    if (!hasFortifiedCall(f)) missing += " _FORTIFY_SOURCE";
    return missing;
}

}  // namespace

TEST_CASE("the shipped binaries are hardened") {
#ifdef IBVF_SANITIZED
    // Sanitizer builds replace the libc calls _FORTIFY_SOURCE would check; they are not shipped.
    MESSAGE("sanitizer build: not the shipped binaries");
#else
    for (const char* name : {"ibvf", "ibvf-ipam", "ibvf-ipam-etcd", "ibvf-device-plugin", "ibvf-diag", "ibvf-cni-installer"}) {
        CAPTURE(name);
        CHECK_MESSAGE(missingHardening(ibvf::test::builtBinary(name)).empty(),
                      name << " lacks:" << missingHardening(ibvf::test::builtBinary(name)));
    }
#endif
}

TEST_CASE("the check sees a binary built without the flags") {
    // Built by tests/CMakeLists.txt with the hardening switched off, so the reader above is
    // proven to tell the difference.
    const std::string missing = missingHardening(ibvf::test::builtBinary("ibvf-test-unhardened"));
    CHECK(missing.find("RELRO") != std::string::npos);
    CHECK(missing.find("stack-protector") != std::string::npos);
    CHECK(missing.find("_FORTIFY_SOURCE") != std::string::npos);
}
