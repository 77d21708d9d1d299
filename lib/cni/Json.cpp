#include "cni/Json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ibvf::cni::json {
namespace {

std::string fieldName(std::string_view where, std::string_view key) {
    std::string s;
    s.reserve(where.size() + key.size() + 1);
    if (!where.empty()) {
        s.append(where);
        s += '.';
    }
    s.append(key);
    return s;
}

// nullptr when absent. JSON null counts as absent, as it does for the Go decoder the configs are
// written against. A non-object `obj` has no members (FindMember on it is undefined behaviour in
// RapidJSON with assertions compiled out).
const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view key) {
    if (!obj.IsObject()) return nullptr;
    const rapidjson::Value name(rapidjson::StringRef(key.data(), key.size()));
    const auto it = obj.FindMember(name);
    return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

[[noreturn]] void wrongType(std::string_view where, std::string_view key, std::string_view type) {
    throw Error(ErrorCode::InvalidNetworkConfig, fieldName(where, key) + " must be " + std::string(type));
}

}  // namespace

std::optional<std::string> optString(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto* v = member(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsString()) wrongType(where, key, "a string");
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<bool> optBool(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto* v = member(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsBool()) wrongType(where, key, "a boolean");
    return v->GetBool();
}

std::optional<long long> optInt(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto* v = member(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsInt64()) wrongType(where, key, "an integer");
    return static_cast<long long>(v->GetInt64());
}

std::optional<std::vector<std::string>> optStringArray(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto* v = member(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsArray()) wrongType(where, key, "an array of strings");
    std::vector<std::string> out;
    out.reserve(v->Size());
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        const auto& e = (*v)[i];
        if (!e.IsString()) {
            throw Error(ErrorCode::InvalidNetworkConfig, fieldName(where, key) + "[" + std::to_string(i) + "] must be a string");
        }
        out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
}

const rapidjson::Value* optObject(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto* v = member(obj, key);
    if (v && !v->IsObject()) wrongType(where, key, "an object");
    return v;
}

const rapidjson::Value* optArray(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    const auto* v = member(obj, key);
    if (v && !v->IsArray()) wrongType(where, key, "an array");
    return v;
}

std::string requireString(const rapidjson::Value& obj, std::string_view key, std::string_view where) {
    auto s = optString(obj, key, where);
    if (!s) throw Error(ErrorCode::InvalidNetworkConfig, fieldName(where, key) + " is required");
    return std::move(*s);
}

std::string serialize(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    v.Accept(writer);
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace ibvf::cni::json
