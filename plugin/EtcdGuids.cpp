#include "plugin/EtcdGuids.hpp"

#include <unistd.h>

#include <cstring>

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "ipam/EtcdHandoff.hpp"
#include "linux/ChildProcess.hpp"
#include "linux/KernelError.hpp"
#include "plugin/ExecIpam.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

constexpr const char* kWho = "ibvf-ipam-etcd guid";

// The runtime's environment with the command and the attachment taken from the request, which
// GC's and a rollback's callers may have changed.
std::vector<std::string> helperEnv(const cni::Request& req, std::string_view command) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (entry.starts_with("CNI_COMMAND=") || entry.starts_with("CNI_CONTAINERID=") || entry.starts_with("CNI_IFNAME=") ||
            entry.starts_with("CNI_NETNS=")) {
            continue;
        }
        env.emplace_back(entry);
    }
    env.push_back("CNI_COMMAND=" + std::string(command));
    if (!req.env.containerId.empty()) env.push_back("CNI_CONTAINERID=" + req.env.containerId);
    if (!req.env.ifname.empty()) env.push_back("CNI_IFNAME=" + req.env.ifname);
    if (!req.env.netns.empty()) env.push_back("CNI_NETNS=" + req.env.netns);
    return env;
}

std::string run(const cni::Request& req, std::string_view command, std::string stdinText) {
    const auto binary = findInCniPath(ipam::kEtcdIpamBinary, req.env.path);
    spdlog::debug("exec {} guid {}", binary, command);
    linux::ProcessResult r;
    try {
        r = linux::ChildProcess::spawn(binary, {"guid"}, helperEnv(req, command), std::move(stdinText)).wait();
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::IpamFailure, std::string("cannot run ") + kWho, e.what());
    }
    if (r.exitCode != 0) throwDelegateError(kWho, r);
    return r.out;
}

}  // namespace

linux::Guid leaseEtcdGuid(const cni::Request& req) {
    const auto out = run(req, "ADD", req.conf.rawText);
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(out.c_str(), out.size());
    std::optional<linux::Guid> guid;
    if (!doc.HasParseError() && doc.IsObject()) {
        const auto result = cni::parseResult(doc);
        if (result.interfaces.size() == 1) guid = linux::Guid::parse(result.interfaces.front().mac);
    }
    if (!guid || !guid->valid()) throw Error(ErrorCode::IpamFailure, std::string(kWho) + " printed no GUID", out);
    return *guid;
}

void releaseEtcdGuid(const cni::Request& req) { run(req, "DEL", req.conf.rawText); }

void collectEtcdGuids(const cni::Request& req, const std::vector<cni::Attachment>& keep) {
    // The runtime's list plus the attachments this node still has state for, as the IPAM's GC.
    rapidjson::Document doc;
    doc.CopyFrom(req.conf.doc, doc.GetAllocator());
    auto& a = doc.GetAllocator();
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto& k : keep) {
        rapidjson::Value item(rapidjson::kObjectType);
        item.AddMember("containerID", rapidjson::Value(k.containerId.c_str(), a), a);
        item.AddMember("ifname", rapidjson::Value(k.ifname.c_str(), a), a);
        list.PushBack(item, a);
    }
    doc.RemoveMember("cni.dev/valid-attachments");
    doc.AddMember("cni.dev/valid-attachments", list, a);
    run(req, "GC", cni::json::serialize(doc));
}

}  // namespace ibvf::plugin
