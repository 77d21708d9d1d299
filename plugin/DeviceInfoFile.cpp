#include "plugin/DeviceInfoFile.hpp"

#include <cerrno>
#include <system_error>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cni/Error.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;
namespace fs = std::filesystem;

void setString(rapidjson::Value& obj, const char* key, const std::string& value, rapidjson::Document::AllocatorType& a) {
    rapidjson::Value v(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), a);
    if (auto it = obj.FindMember(key); it != obj.MemberEnd())
        it->value = v;
    else
        obj.AddMember(rapidjson::StringRef(key), v, a);
}

}  // namespace

fs::path confineDeviceInfoPath(const std::string& requested, const fs::path& dir) {
    fs::path path = fs::path(requested).lexically_normal();
    const bool inside = path.is_absolute() && path.parent_path() == dir.lexically_normal() && path.has_filename() &&
                        path.filename() != "." && path.filename() != "..";
    if (!inside) {
        throw Error(ErrorCode::InvalidNetworkConfig, "runtimeConfig.CNIDeviceInfoFile '" + requested + "' is outside " + dir.string(),
                    "Multus names a file in its devinfo/cni directory; any other path is refused");
    }
    return path;
}

DeviceInfoWrite publishDeviceInfo(const fs::path& path, const std::string& pciAddress, const std::string& pfPciAddress,
                                  const std::optional<std::string>& rdmaDevice) {
    DeviceInfoWrite write{path, linux::readFile(path)};
    rapidjson::Document doc;
    if (write.previous) doc.Parse<rapidjson::kParseIterativeFlag>(write.previous->c_str(), write.previous->size());
    if (!write.previous || doc.HasParseError() || !doc.IsObject()) doc.SetObject();
    auto& a = doc.GetAllocator();
    setString(doc, "type", "pci", a);
    setString(doc, "version", "1.1.0", a);
    auto pci = doc.FindMember("pci");
    if (pci == doc.MemberEnd() || !pci->value.IsObject()) {
        doc.RemoveMember("pci");
        doc.AddMember("pci", rapidjson::Value(rapidjson::kObjectType), a);
        pci = doc.FindMember("pci");
    }
    setString(pci->value, "pci-address", pciAddress, a);
    setString(pci->value, "pf-pci-address", pfPciAddress, a);
    if (rdmaDevice) setString(pci->value, "rdma-device", *rdmaDevice, a);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc.Accept(w);
    try {
        linux::makeDirectories(path.parent_path(), 0755);
        linux::writeFileAtomic(path, std::string_view(buf.GetString(), buf.GetSize()), 0644, linux::Durability::CrashSafe);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::SystemFailure, "cannot write the device-info file " + path.string(), e.what());
    }
    return write;
}

void revertDeviceInfo(const DeviceInfoWrite& write) {
    if (write.previous) {
        linux::writeFileAtomic(write.path, *write.previous, 0644, linux::Durability::CrashSafe);
        return;
    }
    std::error_code ec;
    fs::remove(write.path, ec);
}

}  // namespace ibvf::plugin
