#include "diag/ReportJson.hpp"

#include <optional>
#include <vector>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace ibvf::diag {
namespace {

class Json {
public:
    Json() : w_(buf_) { w_.SetIndent(' ', 2); }

    std::string text() const { return std::string(buf_.GetString(), buf_.GetSize()) + "\n"; }

    void str(const char* key, const std::string& v) {
        w_.Key(key);
        w_.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    }
    void optStr(const char* key, const std::optional<std::string>& v) {
        if (v) return str(key, *v);
        w_.Key(key);
        w_.Null();
    }
    void boolean(const char* key, bool v) {
        w_.Key(key);
        w_.Bool(v);
    }
    void uint(const char* key, unsigned v) {
        w_.Key(key);
        w_.Uint(v);
    }
    void optInt(const char* key, int v) {  // negative: unknown
        w_.Key(key);
        if (v < 0) {
            w_.Null();
        } else {
            w_.Int(v);
        }
    }
    void strings(const char* key, const std::vector<std::string>& v) {
        w_.Key(key);
        w_.StartArray();
        for (const auto& s : v) w_.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
        w_.EndArray();
    }
    template <class T, class Fn>
    void optObject(const char* key, const std::optional<T>& v, Fn&& fn) {
        w_.Key(key);
        if (!v) {
            w_.Null();
            return;
        }
        w_.StartObject();
        fn(*v);
        w_.EndObject();
    }
    template <class T, class Fn>
    void array(const char* key, const std::vector<T>& items, Fn&& fn) {
        w_.Key(key);
        w_.StartArray();
        for (const auto& i : items) {
            w_.StartObject();
            fn(i);
            w_.EndObject();
        }
        w_.EndArray();
    }
    template <class Fn>
    void object(const char* key, Fn&& fn) {
        if (key) w_.Key(key);
        w_.StartObject();
        fn();
        w_.EndObject();
    }

private:
    rapidjson::StringBuffer buf_;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w_;
};

void link(Json& j, const LinkFacts& l) {
    j.str("name", l.name);
    j.str("state", std::string(linkStateName(l)));
    j.boolean("adminUp", l.adminUp);
    j.boolean("carrier", l.carrier);
    j.uint("mtu", l.mtu);
    j.uint("arptype", l.arptype);
    j.str("hwaddr", l.hwaddr);
}

void pod(Json& j, const PodFacts& p) {
    j.str("containerId", p.containerId);
    j.str("ifname", p.ifname);
    j.str("network", p.network);
    j.str("netns", p.netns);
    j.boolean("netnsExists", p.netnsExists);
    j.str("phase", p.phase);
    j.str("pciAddress", p.pciAddress);
    j.str("ipamType", p.ipamType);
    j.strings("addresses", p.addresses);
    j.str("statePath", p.statePath);
    j.optStr("guid", p.guid);
    j.optStr("partition", p.partition);
}

void allocation(Json& j, const AllocationFacts& a) {
    j.str("pciAddress", a.pciAddress);
    j.str("resource", a.resource);
    j.str("time", a.time);
    j.str("path", a.path);
    j.optStr("error", a.error);
}

void lease(Json& j, const LeaseFacts& l) {
    j.str("network", l.network);
    j.str("dir", l.dir);
    j.strings("addresses", l.addresses);
    j.optStr("error", l.error);
}

void vf(Json& j, const VfFacts& v) {
    j.uint("index", v.index);
    j.str("pciAddress", v.pciAddress);
    j.boolean("present", v.present);
    j.optStr("error", v.error);
    j.str("driver", v.driver);
    j.optStr("rdmaDevice", v.rdmaDevice);
    j.optInt("numaNode", v.numaNode);
    j.strings("hostNetdevs", v.hostNetdevs);
    j.optObject("link", v.link, [&](const LinkFacts& l) { link(j, l); });
    j.boolean("linkInPod", v.linkInPod);
    j.optStr("guid", v.guid.value);
    j.optStr("guidSource", v.guid.value ? std::optional<std::string>(v.guid.source) : std::nullopt);
    j.object("identity", [&] {
        j.optStr("nodeGuid", v.identity.nodeGuid);
        j.optStr("portGuid", v.identity.portGuid);
        j.optStr("pkey0", v.identity.pkey0);
        j.optStr("pfNodeGuid", v.identity.pfNodeGuid);
        j.optStr("pfPortGuid", v.identity.pfPortGuid);
    });
    j.strings("resources", v.resources);
    j.optObject("pod", v.pod, [&](const PodFacts& p) { pod(j, p); });
    j.optObject("allocation", v.allocation, [&](const AllocationFacts& a) { allocation(j, a); });
    j.optObject("lease", v.lease, [&](const LeaseFacts& l) { lease(j, l); });
}

void pf(Json& j, const PfFacts& p) {
    j.str("netdev", p.netdev);
    j.strings("selectedBy", p.selectedBy);
    j.optStr("error", p.error);
    j.str("pciAddress", p.pciAddress);
    j.optStr("rdmaDevice", p.rdmaDevice);
    j.optInt("linkType", p.linkType);
    j.optObject("link", p.link, [&](const LinkFacts& l) { link(j, l); });
    j.uint("sriovTotalVfs", p.totalVfs);
    j.uint("sriovNumVfs", p.numVfs);
    j.array("vfs", p.vfs, [&](const VfFacts& v) { vf(j, v); });
}

}  // namespace

std::string reportJson(const NodeReport& report) {
    const auto& f = report.facts;
    Json j;
    j.object(nullptr, [&] {
        j.str("schema", kReportSchema);
        j.object("problemCount", [&] {
            j.uint("error", static_cast<unsigned>(report.count(Severity::Error)));
            j.uint("warning", static_cast<unsigned>(report.count(Severity::Warning)));
        });
        j.object("paths", [&] {
            j.str("sysfsRoot", f.paths.sysfsRoot);
            j.str("attachments", f.paths.attachments);
            j.str("allocations", f.paths.allocations);
            j.str("ipamDataDir", f.paths.ipamDataDir);
        });
        j.object("rdma", [&] {
            j.optStr("netnsMode",
                     f.rdma.netnsMode ? std::optional<std::string>(linux::rdmaNetnsModeName(*f.rdma.netnsMode)) : std::nullopt);
            j.optStr("detail", f.rdma.netnsMode ? std::nullopt : std::optional<std::string>(f.rdma.detail));
        });
        j.object("devicePlugin", [&] {
            const auto& dp = f.devicePlugin;
            j.optStr("config", dp.configPath);
            j.optStr("configError", dp.configError);
            j.str("socketDir", dp.socketDir);
            j.array("resources", dp.resources, [&](const DevicePluginResourceFacts& r) {
                j.str("name", r.name);
                j.str("socket", r.socket);
                j.str("socketState", r.socketState);
                if (!r.cdiSpec.empty()) {
                    j.str("cdiSpec", r.cdiSpec);
                    j.str("cdiSpecState", r.cdiSpecState);
                    j.strings("cdiUnnamed", r.cdiUnnamed);
                }
            });
            j.strings("poolProblems", dp.poolProblems);
        });
        j.array("pfs", f.pfs, [&](const PfFacts& p) { pf(j, p); });
        j.array("staleAllocations", f.staleAllocations, [&](const AllocationFacts& a) { allocation(j, a); });
        j.array("staleAttachments", f.staleAttachments, [&](const PodFacts& p) { pod(j, p); });
        j.strings("corruptStates", f.corruptStates);
        j.array("problems", report.problems, [&](const Problem& p) {
            j.str("severity", std::string(severityName(p.severity)));
            j.str("kind", p.kind);
            j.str("subject", p.subject);
            j.str("message", p.message);
            j.str("fix", p.fix);
        });
        j.strings("notes", report.notes);
    });
    return j.text();
}

}  // namespace ibvf::diag
