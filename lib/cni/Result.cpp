#include "cni/Result.hpp"

#include <limits>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cni/Error.hpp"
#include "cni/Json.hpp"

namespace ibvf::cni {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string indexed(std::string_view where, std::string_view array, rapidjson::SizeType i) {
    std::string s(where);
    if (!s.empty()) s += '.';
    s.append(array);
    s += '[';
    s += std::to_string(i);
    s += ']';
    return s;
}

std::string field(std::string_view where, std::string_view key) {
    return where.empty() ? std::string(key) : std::string(where) + "." + std::string(key);
}

[[noreturn]] void bad(std::string_view where, std::string_view key, std::string_view what) {
    throw Error(ErrorCode::DecodeFailure, field(where, key) + " " + std::string(what));
}

std::optional<int> optIntField(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto v = json::optInt(obj, key, where);
    if (!v) return std::nullopt;
    if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max()) {
        bad(where, key, "is out of range");
    }
    return static_cast<int>(*v);
}

net::IpPrefix requirePrefix(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto text = json::requireString(obj, key, where);
    const auto p = net::IpPrefix::parse(text);
    if (!p) bad(where, key, "must be an address/prefix-length, not \"" + text + "\"");
    return *p;
}

std::optional<net::IpAddress> optAddress(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto text = json::optString(obj, key, where);
    if (!text) return std::nullopt;
    const auto a = net::IpAddress::parse(*text);
    if (!a) bad(where, key, "must be an IP address, not \"" + *text + "\"");
    return a;
}

const rapidjson::Value& requireObjectAt(const rapidjson::Value& arr, rapidjson::SizeType i, const std::string& name) {
    const auto& v = arr[i];
    if (!v.IsObject()) throw Error(ErrorCode::DecodeFailure, name + " must be an object");
    return v;
}

Interface parseInterface(const rapidjson::Value& v, const std::string& where) {
    Interface itf;
    itf.name = json::requireString(v, "name", where);
    itf.mac = json::optString(v, "mac", where).value_or("");
    if (const auto mtu = json::optInt(v, "mtu", where)) {
        if (*mtu < 0 || *mtu > std::numeric_limits<unsigned>::max()) bad(where, "mtu", "is out of range");
        itf.mtu = static_cast<unsigned>(*mtu);
    }
    itf.sandbox = json::optString(v, "sandbox", where).value_or("");
    itf.pciId = json::optString(v, "pciID", where).value_or("");
    itf.socketPath = json::optString(v, "socketPath", where).value_or("");
    return itf;
}

IpConfig parseIp(const rapidjson::Value& v, const std::string& where) {
    IpConfig ip;
    ip.address = requirePrefix(v, "address", where);
    ip.gateway = optAddress(v, "gateway", where);
    ip.interfaceIndex = optIntField(v, "interface", where);
    if (ip.interfaceIndex && *ip.interfaceIndex < 0) bad(where, "interface", "must not be negative");
    // 0.3.x/0.4.0 label each address with its family; when present it must agree.
    if (const auto version = json::optString(v, "version", where)) {
        const std::string_view expected = ip.address.address.isV4() ? "4" : "6";
        if (*version != expected) {
            bad(where, "version", "is \"" + *version + "\" but the address is IPv" + std::string(expected));
        }
    }
    return ip;
}

Route parseRoute(const rapidjson::Value& v, const std::string& where) {
    Route r;
    r.dst = requirePrefix(v, "dst", where);
    r.gw = optAddress(v, "gw", where);
    r.mtu = optIntField(v, "mtu", where);
    r.advmss = optIntField(v, "advmss", where);
    r.priority = optIntField(v, "priority", where);
    r.table = optIntField(v, "table", where);
    r.scope = optIntField(v, "scope", where);
    return r;
}

Dns parseDnsAt(const rapidjson::Value& v, std::string_view where) {
    if (!v.IsObject()) throw Error(ErrorCode::DecodeFailure, (where.empty() ? "dns" : std::string(where)) + " must be an object");
    Dns d;
    d.nameservers = json::optStringArray(v, "nameservers", where).value_or(std::vector<std::string>{});
    d.domain = json::optString(v, "domain", where).value_or("");
    d.search = json::optStringArray(v, "search", where).value_or(std::vector<std::string>{});
    d.options = json::optStringArray(v, "options", where).value_or(std::vector<std::string>{});
    return d;
}

Result parseResultAt(const rapidjson::Value& v, std::string_view where) {
    if (!v.IsObject()) {
        throw Error(ErrorCode::DecodeFailure, (where.empty() ? "result" : std::string(where)) + " must be an object");
    }
    Result r;
    if (const auto* arr = json::optArray(v, "interfaces", where)) {
        for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
            const auto name = indexed(where, "interfaces", i);
            r.interfaces.push_back(parseInterface(requireObjectAt(*arr, i, name), name));
        }
    }
    if (const auto* arr = json::optArray(v, "ips", where)) {
        for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
            const auto name = indexed(where, "ips", i);
            r.ips.push_back(parseIp(requireObjectAt(*arr, i, name), name));
        }
    }
    if (const auto* arr = json::optArray(v, "routes", where)) {
        for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
            const auto name = indexed(where, "routes", i);
            r.routes.push_back(parseRoute(requireObjectAt(*arr, i, name), name));
        }
    }
    if (const auto* dns = json::optObject(v, "dns", where)) r.dns = parseDnsAt(*dns, field(where, "dns"));
    return r;
}

// The json:: helpers speak for network configs (code 7); a result of the wrong shape is a
// decode failure (code 6), whoever produced it.
template <typename F>
auto asDecodeFailure(F&& f) {
    try {
        return f();
    } catch (const Error& e) {
        if (e.code() != ErrorCode::InvalidNetworkConfig) throw;
        throw Error(ErrorCode::DecodeFailure, e.msg(), e.details());
    }
}

void writeString(Writer& w, std::string_view key, std::string_view value) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void writeStringIfSet(Writer& w, std::string_view key, std::string_view value) {
    if (!value.empty()) writeString(w, key, value);
}

void writeIntIfSet(Writer& w, const char* key, const std::optional<int>& value) {
    if (!value) return;
    w.Key(key);
    w.Int(*value);
}

void writeStringArrayIfSet(Writer& w, const char* key, const std::vector<std::string>& values) {
    if (values.empty()) return;
    w.Key(key);
    w.StartArray();
    for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
}

void writeInterface(Writer& w, const Interface& itf, Version version) {
    const bool v11 = version >= Version::V1_1_0;
    w.StartObject();
    writeString(w, "name", itf.name);
    writeStringIfSet(w, "mac", itf.mac);
    if (v11 && itf.mtu) {
        w.Key("mtu");
        w.Uint(*itf.mtu);
    }
    writeStringIfSet(w, "sandbox", itf.sandbox);
    if (v11) {
        writeStringIfSet(w, "socketPath", itf.socketPath);
        writeStringIfSet(w, "pciID", itf.pciId);
    }
    w.EndObject();
}

void writeIp(Writer& w, const IpConfig& ip, Version version) {
    w.StartObject();
    if (version < Version::V1_0_0) writeString(w, "version", ip.address.address.isV4() ? "4" : "6");
    writeIntIfSet(w, "interface", ip.interfaceIndex);
    writeString(w, "address", ip.address.toString());
    if (ip.gateway) writeString(w, "gateway", ip.gateway->toString());
    w.EndObject();
}

void writeRoute(Writer& w, const Route& r, Version version) {
    w.StartObject();
    writeString(w, "dst", r.dst.toString());
    if (r.gw) writeString(w, "gw", r.gw->toString());
    if (version >= Version::V1_1_0) {
        writeIntIfSet(w, "mtu", r.mtu);
        writeIntIfSet(w, "advmss", r.advmss);
        writeIntIfSet(w, "priority", r.priority);
        writeIntIfSet(w, "table", r.table);
        writeIntIfSet(w, "scope", r.scope);
    }
    w.EndObject();
}

}  // namespace

Result parseResult(const rapidjson::Value& json) { return parseResult(json, {}); }

Result parseResult(const rapidjson::Value& json, std::string_view where) {
    return asDecodeFailure([&] { return parseResultAt(json, where); });
}

Dns parseDns(const rapidjson::Value& json) {
    return asDecodeFailure([&] { return parseDnsAt(json, {}); });
}

std::string toJson(const Result& result, Version version) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    writeString(w, "cniVersion", toString(version));
    if (!result.interfaces.empty()) {
        w.Key("interfaces");
        w.StartArray();
        for (const auto& itf : result.interfaces) writeInterface(w, itf, version);
        w.EndArray();
    }
    if (!result.ips.empty()) {
        w.Key("ips");
        w.StartArray();
        for (const auto& ip : result.ips) writeIp(w, ip, version);
        w.EndArray();
    }
    if (!result.routes.empty()) {
        w.Key("routes");
        w.StartArray();
        for (const auto& r : result.routes) writeRoute(w, r, version);
        w.EndArray();
    }
    if (!result.dns.empty()) {
        w.Key("dns");
        w.StartObject();
        writeStringArrayIfSet(w, "nameservers", result.dns.nameservers);
        writeStringIfSet(w, "domain", result.dns.domain);
        writeStringArrayIfSet(w, "search", result.dns.search);
        writeStringArrayIfSet(w, "options", result.dns.options);
        w.EndObject();
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace ibvf::cni
