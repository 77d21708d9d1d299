#include "ipam/IpamConfig.hpp"

#include <limits>

#include "cni/Error.hpp"
#include "cni/Json.hpp"
#include "ipam/ResolvConf.hpp"

namespace ibvf::ipam {
namespace {

using cni::Error;
using cni::ErrorCode;
namespace json = cni::json;

[[noreturn]] void invalid(const std::string& msg) { throw Error(ErrorCode::InvalidNetworkConfig, msg); }

RangeSpec rangeSpecOf(const rapidjson::Value& obj, const std::string& where) {
    if (!obj.IsObject()) invalid(where + " must be an object");
    RangeSpec spec;
    spec.subnet = json::optString(obj, "subnet", where).value_or("");
    spec.rangeStart = json::optString(obj, "rangeStart", where);
    spec.rangeEnd = json::optString(obj, "rangeEnd", where);
    spec.gateway = json::optString(obj, "gateway", where);
    return spec;
}

std::vector<RangeSet> parseRangeSets(const rapidjson::Value& ipam) {
    std::vector<RangeSet> sets;
    // host-local puts the shorthand range first.
    if (json::optString(ipam, "subnet", "ipam")) {
        sets.push_back({makeRange(rangeSpecOf(ipam, "ipam"), "ipam")});
    } else {
        for (const char* field : {"rangeStart", "rangeEnd", "gateway"}) {
            if (json::optString(ipam, field, "ipam")) invalid(std::string("ipam.") + field + " needs ipam.subnet");
        }
    }
    if (const auto* ranges = json::optArray(ipam, "ranges", "ipam")) {
        for (rapidjson::SizeType s = 0; s < ranges->Size(); ++s) {
            const std::string setWhere = "ipam.ranges[" + std::to_string(s) + "]";
            const auto& setJson = (*ranges)[s];
            if (!setJson.IsArray()) invalid(setWhere + " must be an array of ranges");
            if (setJson.Empty()) invalid(setWhere + ": a range set needs at least one range");
            RangeSet set;
            for (rapidjson::SizeType i = 0; i < setJson.Size(); ++i) {
                const std::string where = setWhere + "[" + std::to_string(i) + "]";
                set.push_back(makeRange(rangeSpecOf(setJson[i], where), where));
            }
            sets.push_back(std::move(set));
        }
    }
    if (sets.empty()) invalid("ipam: no address ranges (set \"ranges\" or \"subnet\")");
    validateRangeSets(sets);
    return sets;
}

std::optional<int> optSmallInt(const rapidjson::Value& obj, const char* key, const std::string& where, long long min) {
    const auto v = json::optInt(obj, key, where);
    if (!v) return std::nullopt;
    if (*v < min || *v > std::numeric_limits<int>::max()) {
        invalid(where + "." + key + " " + std::to_string(*v) + " is out of range");
    }
    return static_cast<int>(*v);
}

std::vector<cni::Route> parseRoutes(const rapidjson::Value& ipam) {
    std::vector<cni::Route> routes;
    const auto* list = json::optArray(ipam, "routes", "ipam");
    if (!list) return routes;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        const std::string where = "ipam.routes[" + std::to_string(i) + "]";
        const auto& r = (*list)[i];
        if (!r.IsObject()) invalid(where + " must be an object");
        const std::string dstText = json::requireString(r, "dst", where);
        const auto dst = net::IpPrefix::parse(dstText);
        if (!dst) invalid(where + ".dst '" + dstText + "' is not a CIDR");
        cni::Route route;
        // Go's ParseCIDR, which host-local uses, keeps the network only.
        route.dst = net::IpPrefix{dst->network(), dst->length};
        if (const auto gwText = json::optString(r, "gw", where)) {
            const auto gw = net::IpAddress::parse(*gwText);
            if (!gw) invalid(where + ".gw '" + *gwText + "' is not an IP address");
            if (gw->family() != dst->family()) invalid(where + ".gw " + *gwText + " is not of the family of dst " + dstText);
            route.gw = *gw;
        }
        route.mtu = optSmallInt(r, "mtu", where, 0);
        route.advmss = optSmallInt(r, "advmss", where, 0);
        route.priority = optSmallInt(r, "priority", where, 0);
        route.table = optSmallInt(r, "table", where, 0);
        route.scope = optSmallInt(r, "scope", where, 0);
        if (route.scope && *route.scope > 255) invalid(where + ".scope must be between 0 and 255");
        routes.push_back(route);
    }
    return routes;
}

}  // namespace

IpamConfig parseIpamConfig(const cni::NetConf& conf) {
    const rapidjson::Value* ipam = conf.ipam();
    if (!ipam) invalid("the network config has no \"ipam\" section");
    IpamConfig c;
    c.rangeSets = parseRangeSets(*ipam);
    if (const auto ex = json::optStringArray(*ipam, "exclude", "ipam")) c.exclusions = Exclusions::parse(*ex, "ipam.exclude");
    c.routes = parseRoutes(*ipam);
    if (const auto path = json::optString(*ipam, "resolvConf", "ipam"); path && !path->empty()) {
        c.dns = readResolvConf(*path);
    }
    c.backend = backendConfigOf(conf);
    return c;
}

LogSettings logSettingsOf(const cni::NetConf& conf) {
    LogSettings s;
    const rapidjson::Value& top = conf.doc;
    const auto read = [](const rapidjson::Value& obj, const char* key) -> std::optional<std::string> {
        if (!obj.IsObject()) return std::nullopt;
        const auto it = obj.FindMember(key);
        if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
        return std::string(it->value.GetString(), it->value.GetStringLength());
    };
    const rapidjson::Value* ipam = nullptr;
    if (top.IsObject()) {
        const auto it = top.FindMember("ipam");
        if (it != top.MemberEnd() && it->value.IsObject()) ipam = &it->value;
    }
    s.level = ipam ? read(*ipam, "logLevel") : std::nullopt;
    if (!s.level) s.level = read(top, "logLevel");
    s.file = ipam ? read(*ipam, "logFile") : std::nullopt;
    if (!s.file) s.file = read(top, "logFile");
    return s;
}

}  // namespace ibvf::ipam
