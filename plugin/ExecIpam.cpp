#include "plugin/ExecIpam.hpp"

#include <unistd.h>

#include <cstring>

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include "cni/Error.hpp"
#include "linux/ChildProcess.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::plugin {
namespace {

using cni::Error;
using cni::ErrorCode;

// The runtime's environment, with CNI_COMMAND replaced: the delegate sees what we saw.
std::vector<std::string> delegateEnv(std::string_view command) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (std::strncmp(*e, "CNI_COMMAND=", 12) == 0) continue;
        env.emplace_back(*e);
    }
    env.push_back("CNI_COMMAND=" + std::string(command));
    return env;
}

linux::ChildProcess start(const std::string& type, const cni::Request& req, std::string_view command) {
    const auto binary = findInCniPath(type, req.env.path);
    spdlog::debug("exec IPAM {} {}", binary, command);
    try {
        return linux::ChildProcess::spawn(binary, delegateEnv(command), req.conf.rawText);
    } catch (const linux::KernelError& e) {
        throw Error(ErrorCode::IpamFailure, "cannot run IPAM plugin '" + type + "'", e.what());
    }
}

void runToCompletion(const std::string& type, const cni::Request& req, std::string_view command) {
    auto result = start(type, req, command).wait();
    if (result.exitCode != 0) throwDelegateError(type, result);
}

cni::Result parseAllocation(const std::string& type, const linux::ProcessResult& r) {
    if (r.exitCode != 0) throwDelegateError(type, r);
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(r.out.c_str(), r.out.size());  // no recursion on nesting depth
    if (doc.HasParseError() || !doc.IsObject()) {
        throw Error(ErrorCode::IpamFailure, "IPAM plugin '" + type + "' printed no JSON result", r.out);
    }
    return cni::parseResult(doc);
}

}  // namespace

std::string findInCniPath(const std::string& type, const std::vector<std::string>& path) {
    for (const auto& dir : path) {
        if (dir.empty()) continue;
        std::string candidate = dir + "/" + type;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    std::string searched;
    for (const auto& dir : path) searched += (searched.empty() ? "" : ":") + dir;
    throw Error(ErrorCode::IpamFailure, "IPAM plugin '" + type + "' not found in CNI_PATH",
                "searched: " + (searched.empty() ? std::string("(CNI_PATH is empty)") : searched));
}

void throwDelegateError(const std::string& type, const linux::ProcessResult& r) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(r.out.c_str(), r.out.size());  // no recursion on nesting depth
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("code") && doc["code"].IsUint()) {
        const auto code = static_cast<ErrorCode>(doc["code"].GetUint());
        std::string msg = doc.HasMember("msg") && doc["msg"].IsString() ? doc["msg"].GetString() : "";
        std::string details = doc.HasMember("details") && doc["details"].IsString() ? doc["details"].GetString() : "";
        throw Error(code, "IPAM plugin '" + type + "': " + msg, details);
    }
    std::string how = r.signal != 0 ? "killed by signal " + std::to_string(r.signal) : "exited with status " + std::to_string(r.exitCode);
    throw Error(ErrorCode::IpamFailure, "IPAM plugin '" + type + "' " + how, r.err.empty() ? r.out : r.err);
}

std::unique_ptr<PendingAllocation> ExecIpam::startAdd(const cni::Request& req) {
    return allocateInBackground([this, &req] { return parseAllocation(type_, start(type_, req, "ADD").wait()); });
}

void ExecIpam::del(const cni::Request& req) { runToCompletion(type_, req, "DEL"); }
void ExecIpam::check(const cni::Request& req) { runToCompletion(type_, req, "CHECK"); }
void ExecIpam::gc(const cni::Request& req, const std::vector<cni::Attachment>&) { runToCompletion(type_, req, "GC"); }
void ExecIpam::status(const cni::Request& req) { runToCompletion(type_, req, "STATUS"); }
bool ExecIpam::startsProcess(const cni::Request&) const { return true; }

}  // namespace ibvf::plugin
