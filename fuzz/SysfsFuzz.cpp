// Values read from sysfs, as the plugin (lib/linux Sysfs) and the device plugin (Discovery) read
// them: a fake tree with one PF and two VFs in which each input line replaces one attribute or
// symbolic link (in the order of Tree::slots; an empty line for a link removes it). Lookups only:
// nothing here writes to the tree.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "FuzzInput.hpp"
#include "deviceplugin/Config.hpp"
#include "deviceplugin/Discovery.hpp"
#include "linux/KernelError.hpp"
#include "linux/Sysfs.hpp"
#include "support/FakeSysfs.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ibvf;

constexpr const char* kPf = "0000:3b:00.0";
constexpr const char* kVf0 = "0000:3b:00.1";
constexpr const char* kVf1 = "0000:3b:00.2";

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void replaceFile(const fs::path& p, std::string_view content) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) std::abort();
    ::close(fd);
}

struct Slot {
    fs::path path;
    bool isLink;
};

struct Tree {
    test::FakeSysfs sysfs;
    std::array<Slot, 11> slots;
    dp::Config config;

    Tree() {
        sysfs.addPf(kPf, "ib0", 4, test::FakePfOptions().withRdma("mlx5_0"));
        sysfs.addVf(kPf, 0, kVf0, test::FakeVfOptions().withNetdev("ib0v0").withRdma("mlx5_1"));
        sysfs.addVf(kPf, 1, kVf1, test::FakeVfOptions().withNetdev("ib0v1"));
        sysfs.addRdmaCharDevices("mlx5_1", 1, 1);
        const fs::path pf = sysfs.deviceDir(kPf);
        const fs::path vf0 = sysfs.deviceDir(kVf0);
        const fs::path vf1 = sysfs.deviceDir(kVf1);
        replaceFile(vf0 / "device", "0x101e\n");  // the fake writes a vendor only
        slots = {{{pf / "sriov_totalvfs", false},
                  {pf / "sriov_numvfs", false},
                  {pf / "numa_node", false},
                  {vf0 / "numa_node", false},
                  {vf0 / "vendor", false},
                  {vf0 / "device", false},
                  {pf / "net/ib0/type", false},
                  {sysfs.root() / "class/infiniband_verbs/uverbs1/ibdev", false},
                  {vf1 / "physfn", true},
                  {pf / "virtfn1", true},
                  {vf0 / "driver", true}}};
        config = dp::parseConfig(R"({"resources": [
            {"name": "a", "selectors": {"pfNames": ["ib0#0-3"], "vendors": ["15b3"], "devices": ["101e"],
                                         "drivers": ["mlx5_core"], "linkTypes": ["infiniband"]}},
            {"name": "b"}]})");
    }
};

void replaceLink(const fs::path& p, std::string_view target) {
    (void)::unlink(p.c_str());
    const std::string t(target);
    if (t.empty() || t.find('\0') != std::string::npos || t.size() >= 4096) return;
    if (::symlink(t.c_str(), p.c_str()) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Tree tree;
    // What the tree holds when the input does not say: the fake's own values and links.
    static const auto defaults = [] {
        std::array<std::string, tree.slots.size()> d;
        for (std::size_t i = 0; i < d.size(); ++i) {
            const auto& s = tree.slots[i];
            d[i] = s.isLink ? fs::read_symlink(s.path).string() : readAll(s.path);
        }
        return d;
    }();

    const auto fields = fuzz::lines(fuzz::asText(data, size));
    for (std::size_t i = 0; i < tree.slots.size(); ++i) {
        const std::string_view value = i < fields.size() ? fields[i] : std::string_view(defaults[i]);
        if (tree.slots[i].isLink) {
            replaceLink(tree.slots[i].path, value);
        } else {
            replaceFile(tree.slots[i].path, value);
        }
    }

    const linux::Sysfs sysfs(tree.sysfs.root());
    fuzz::rejectOnly<linux::KernelError>([&] { (void)sysfs.vf(kVf0); });
    fuzz::rejectOnly<linux::KernelError>([&] { (void)sysfs.vf(kVf1); });
    fuzz::rejectOnly<linux::KernelError>([&] {
        const auto pf = sysfs.pfByNetdev("ib0");
        if (pf.pciAddress != kPf) fuzz::finding("ib0 resolved to " + pf.pciAddress);
    });
    fuzz::rejectOnly<linux::KernelError>([&] { (void)sysfs.rdmaCharDevices("mlx5_1"); });
    // Discovery reports what it cannot use as pool problems: it throws for nothing.
    for (const auto& pool : dp::discover(tree.config, sysfs)) {
        for (const auto& d : pool.devices) {
            if (pool.config.mode == dp::PoolMode::Sriov && !linux::isValidPciAddress(d.pciAddress) && d.present)
                fuzz::finding("pool " + pool.config.name + " offers device " + d.id + ", which is not a PCI address");
        }
    }
    return 0;
}
