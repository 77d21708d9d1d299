// ibvf-ipam's lease store as it may be found on disk after a crash, an older version or tampering.
// The input describes one network's directory: line 1 is the cursors file, every further line a
// record (attachments/<cid>:<ifname>, or r<N> when the text names no storable key) whose address
// words are also linked as leases/<word>, as the store links them. Then the store is used as
// ADD, CHECK, DEL and GC use it, and LeaseStore.hpp's promises are checked:
//   - an ADD that succeeds is what CHECK then reports for the attachment;
//   - after its DEL the attachment holds nothing;
//   - after GC with nothing to keep, no record and no lease the store owns is left.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "FuzzFiles.hpp"
#include "FuzzInput.hpp"
#include "cni/Error.hpp"
#include "ipam/LeaseStore.hpp"
#include "ipam/Range.hpp"
#include "ipam/StoreDirectory.hpp"
#include "ipam/StoreLocation.hpp"
#include "support/ScratchDir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ibvf;

// Lays the input out as a store directory.
void plant(const fs::path& dir, const std::vector<std::string_view>& fields) {
    fs::create_directories(dir / "attachments");
    fs::create_directories(dir / "leases");
    if (!fields[0].empty()) fuzz::writeFile(dir / "cursors", fields[0]);
    for (std::size_t i = 1; i < fields.size(); ++i) {
        const std::string text(fields[i]);
        // A symbolic link's target is a non-empty C string shorter than PATH_MAX.
        if (text.empty() || text.size() >= 4096 || text.find('\0') != std::string::npos) continue;
        const auto w = fuzz::split(text, ' ');
        std::string name = w.size() >= 2 ? std::string(w[0]) + ":" + std::string(w[1]) : std::string();
        if (!ipam::isSafePathComponent(name)) name = "r" + std::to_string(i);
        const fs::path record = dir / "attachments" / name;
        if (::symlink(text.c_str(), record.c_str()) != 0) continue;  // the same key twice: first wins
        for (std::size_t k = 3; k < w.size(); ++k) {
            const std::string lease(w[k]);
            if (!ipam::isSafePathComponent(lease)) continue;
            (void)::link(record.c_str(), (dir / "leases" / lease).c_str());  // taken: first wins
        }
    }
}

std::vector<std::string> sortedText(const std::vector<net::IpAddress>& v) {
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto& a : v) out.push_back(a.toString());
    std::sort(out.begin(), out.end());
    return out;
}

ipam::Range range(const char* subnet) { return ipam::makeRange(ipam::RangeSpec{subnet, {}, {}, {}}, "fuzz"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const test::ScratchDir scratch;
    static const std::vector<ipam::RangeSet> sets{{range("10.9.0.0/29")}, {range("fd00::/125")}};
    const auto fields = fuzz::lines(fuzz::asText(data, size));
    const fs::path dir = scratch.path() / "net";
    std::error_code ec;
    fs::remove_all(dir, ec);
    plant(dir, fields);

    ipam::LeaseStore store(ipam::StoreLocation{dir, "net", std::chrono::milliseconds(1000)});
    (void)store.list();
    for (std::size_t i = 1; i < fields.size(); ++i) {
        const auto w = fuzz::split(fields[i], ' ');
        if (w.size() >= 2) (void)store.leasesOf({std::string(w[0]), std::string(w[1])});
    }

    const ipam::AttachmentKey who{"fuzz-container", "net1"};
    fuzz::rejectOnly<cni::Error>([&] {
        const auto got = store.allocate(who, sets, {}, {std::nullopt, std::nullopt});
        if (sortedText(got) != sortedText(store.leasesOf(who))) fuzz::finding("CHECK after ADD does not see the ADD's addresses");
    });
    (void)store.release(who);
    if (!store.leasesOf(who).empty()) fuzz::finding("the attachment holds leases after its DEL");

    (void)store.releaseAllExcept({});
    for (const auto& e : fs::directory_iterator(dir / "attachments")) fuzz::finding("GC left record " + e.path().filename().string());
    for (const auto& e : fs::directory_iterator(dir / "leases")) {
        const std::string name = e.path().filename().string();
        // Names that are not an address in canonical form are not the store's (LeaseStore.cpp).
        const auto a = net::IpAddress::parse(name);
        if (a && a->toString() == name) fuzz::finding("GC left lease " + name);
    }
    return 0;
}
