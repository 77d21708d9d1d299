// The files on the node that ibvf and the device plugin read back from each other, and the path
// a NetworkAttachmentDefinition's runtimeConfig may name:
//   line 1: runtimeConfig.CNIDeviceInfoFile, confined to the devinfo/cni directory;
//   line 2: a VF's PCI address;
//   the rest: the content found in a device-info file (which Multus or the device plugin wrote
//   first), in advertised.json and in an allocation record.
// Properties: an accepted device-info path is a file directly inside the directory; publishing
// into a damaged file yields the spec's fields and reverting restores the bytes found; the other
// readers refuse with their documented errors only.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <rapidjson/document.h>

#include "FuzzFiles.hpp"
#include "FuzzInput.hpp"
#include "cni/Error.hpp"
#include "linux/AtomicFile.hpp"
#include "node/AdvertisedVfs.hpp"
#include "node/AllocationRecord.hpp"
#include "plugin/DeviceInfoFile.hpp"
#include "support/ScratchDir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ibvf;

void checkConfinement(const std::string& requested, const fs::path& dir) {
    fs::path accepted;
    try {
        accepted = plugin::confineDeviceInfoPath(requested, dir);
    } catch (const cni::Error&) {
        return;
    }
    if (accepted.parent_path() != dir || !accepted.has_filename() || accepted.filename() == "." || accepted.filename() == "..")
        fuzz::finding("device-info path '" + requested + "' accepted as " + accepted.string() + ", outside " + dir.string());
}

void checkPublish(const fs::path& file, const std::string& content, const std::string& bdf) {
    fuzz::writeFile(file, content);
    const auto write = plugin::publishDeviceInfo(file, bdf, "0000:3b:00.0", std::string("mlx5_7"));
    const auto published = linux::readFile(file);
    rapidjson::Document doc;
    if (!published || doc.Parse<rapidjson::kParseIterativeFlag>(published->c_str(), published->size()).HasParseError() || !doc.IsObject())
        fuzz::finding("published device-info is no JSON object");
    const auto pci = doc.FindMember("pci");
    const auto field = [&](const char* name) -> std::string {
        if (pci == doc.MemberEnd() || !pci->value.IsObject()) return {};
        const auto m = pci->value.FindMember(name);
        return m != pci->value.MemberEnd() && m->value.IsString() ? std::string(m->value.GetString(), m->value.GetStringLength())
                                                                  : std::string();
    };
    if (field("pci-address") != bdf || field("rdma-device") != "mlx5_7")
        fuzz::finding("published device-info lacks the VF's fields: " + *published);
    plugin::revertDeviceInfo(write);
    if (linux::readFile(file) != content) fuzz::finding("revert did not restore the device-info file");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const test::ScratchDir scratch;
    const std::string_view text = fuzz::asText(data, size);
    const auto fields = fuzz::lines(text);
    const std::string requested(fields[0]);
    const std::string bdf(fields.size() > 1 ? fields[1] : std::string_view{});
    std::string content;  // everything after the second line
    if (const auto first = text.find('\n'); first != std::string_view::npos) {
        if (const auto second = text.find('\n', first + 1); second != std::string_view::npos) content = text.substr(second + 1);
    }

    checkConfinement(requested, "/var/run/k8s.cni.cncf.io/devinfo/cni");

    const fs::path file = scratch.path() / "found.json";
    fuzz::rejectOnly<cni::Error>([&] { checkPublish(file, content, bdf); });
    fuzz::rejectOnly<std::runtime_error>([&] { (void)node::advertisedResourceOf(file, bdf); });
    (void)node::recordTime(content);
    fuzz::rejectOnly<std::runtime_error>([&] { (void)node::parseAllocationRecord(content); });
    return 0;
}
