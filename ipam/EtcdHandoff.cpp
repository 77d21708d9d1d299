#include "ipam/EtcdHandoff.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <rapidjson/document.h>

#include "linux/ChildProcess.hpp"

namespace ibvf::ipam {
namespace {

std::string g_handoffFailure;

bool backendIsEtcd(const rapidjson::Value& doc) {
    if (!doc.IsObject()) return false;
    const auto ipam = doc.FindMember("ipam");
    if (ipam == doc.MemberEnd() || !ipam->value.IsObject()) return false;
    const auto backend = ipam->value.FindMember("backend");
    if (backend == ipam->value.MemberEnd() || !backend->value.IsObject()) return false;
    const auto type = backend->value.FindMember("type");
    return type != backend->value.MemberEnd() && type->value.IsString() && std::string_view(type->value.GetString()) == "etcd";
}

}  // namespace

bool selectsEtcdStore(std::string_view configText) {
    if (configText.find("\"backend\"") == std::string_view::npos) return false;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(configText.data(), configText.size());
    return !doc.HasParseError() && backendIsEtcd(doc);
}

bool selectsEtcdStore(const cni::NetConf& conf) { return backendIsEtcd(conf.doc); }

void handOverEtcdConfigs(std::string_view stdinText) {
    if (!selectsEtcdStore(stdinText)) return;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        g_handoffFailure = "cannot read /proc/self/exe: " + ec.message();
        return;
    }
    const std::string sibling = (self.parent_path() / kEtcdIpamBinary).string();
    const int err = linux::execWithStdin(sibling, stdinText);
    g_handoffFailure = sibling + ": " + std::strerror(err);
}

std::string etcdHandoffFailure() { return g_handoffFailure; }

}  // namespace ibvf::ipam
