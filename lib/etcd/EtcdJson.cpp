#include "etcd/EtcdJson.hpp"

#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "etcd/Base64.hpp"

namespace ibvf::etcd {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(Writer& w, const char* name) { w.Key(name); }

void bytes(Writer& w, const char* name, std::string_view raw) {
    w.Key(name);
    const std::string b64 = base64Encode(raw);
    w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
}

void int64(Writer& w, const char* name, std::int64_t v) {
    w.Key(name);
    const std::string s = std::to_string(v);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

const char* targetName(CompareTarget t) {
    switch (t) {
        case CompareTarget::Version:
            return "VERSION";
        case CompareTarget::Create:
            return "CREATE";
        case CompareTarget::Mod:
            return "MOD";
        case CompareTarget::Value:
            return "VALUE";
    }
    return "CREATE";
}

const char* resultName(CompareResult r) {
    switch (r) {
        case CompareResult::Equal:
            return "EQUAL";
        case CompareResult::Greater:
            return "GREATER";
        case CompareResult::Less:
            return "LESS";
        case CompareResult::NotEqual:
            return "NOT_EQUAL";
    }
    return "EQUAL";
}

void writeRange(Writer& w, const RangeRequest& r) {
    w.StartObject();
    bytes(w, "key", r.key);
    if (!r.rangeEnd.empty()) bytes(w, "range_end", r.rangeEnd);
    if (r.limit > 0) int64(w, "limit", r.limit);
    if (r.keysOnly) {
        key(w, "keys_only");
        w.Bool(true);
    }
    if (r.countOnly) {
        key(w, "count_only");
        w.Bool(true);
    }
    w.EndObject();
}

void writeTxn(Writer& w, const TxnRequest& t);

void writeOps(Writer& w, const char* name, const std::vector<RequestOp>& ops) {
    if (ops.empty()) return;
    key(w, name);
    w.StartArray();
    for (const RequestOp& op : ops) {
        w.StartObject();
        if (const auto* r = std::get_if<RangeRequest>(&op.op)) {
            key(w, "request_range");
            writeRange(w, *r);
        } else if (const auto* p = std::get_if<PutRequest>(&op.op)) {
            key(w, "request_put");
            w.StartObject();
            bytes(w, "key", p->key);
            bytes(w, "value", p->value);
            w.EndObject();
        } else if (const auto* d = std::get_if<DeleteRangeRequest>(&op.op)) {
            key(w, "request_delete_range");
            w.StartObject();
            bytes(w, "key", d->key);
            if (!d->rangeEnd.empty()) bytes(w, "range_end", d->rangeEnd);
            w.EndObject();
        } else {
            key(w, "request_txn");
            writeTxn(w, std::get<TxnRequest>(op.op));
        }
        w.EndObject();
    }
    w.EndArray();
}

void writeTxn(Writer& w, const TxnRequest& t) {
    w.StartObject();
    if (!t.compare.empty()) {
        key(w, "compare");
        w.StartArray();
        for (const Compare& c : t.compare) {
            w.StartObject();
            key(w, "target");
            w.String(targetName(c.target));
            key(w, "result");
            w.String(resultName(c.result));
            bytes(w, "key", c.key);
            if (!c.rangeEnd.empty()) bytes(w, "range_end", c.rangeEnd);
            switch (c.target) {
                case CompareTarget::Version:
                    int64(w, "version", c.revision);
                    break;
                case CompareTarget::Create:
                    int64(w, "create_revision", c.revision);
                    break;
                case CompareTarget::Mod:
                    int64(w, "mod_revision", c.revision);
                    break;
                case CompareTarget::Value:
                    bytes(w, "value", c.value);
                    break;
            }
            w.EndObject();
        }
        w.EndArray();
    }
    writeOps(w, "success", t.success);
    writeOps(w, "failure", t.failure);
    w.EndObject();
}

std::string finish(const rapidjson::StringBuffer& sb) { return std::string(sb.GetString(), sb.GetSize()); }

// ---- decoding ------------------------------------------------------------------------------
[[noreturn]] void malformed(const std::string& what) { throw MalformedReply("unreadable etcd reply: " + what); }

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
    if (!obj.IsObject()) return nullptr;
    const auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::int64_t int64Of(const rapidjson::Value& obj, const char* name) {
    const auto* v = member(obj, name);
    if (!v) return 0;  // proto3 leaves zero out
    if (v->IsInt64()) return v->GetInt64();
    if (!v->IsString()) malformed(std::string(name) + " is neither a number nor a string");
    std::int64_t n = 0;
    const char* s = v->GetString();
    const char* e = s + v->GetStringLength();
    const auto [end, ec] = std::from_chars(s, e, n);
    if (ec != std::errc() || end != e) malformed(std::string(name) + " '" + s + "' is not an integer");
    return n;
}

bool boolOf(const rapidjson::Value& obj, const char* name) {
    const auto* v = member(obj, name);
    if (!v) return false;
    if (!v->IsBool()) malformed(std::string(name) + " is not a boolean");
    return v->GetBool();
}

std::string bytesOf(const rapidjson::Value& obj, const char* name) {
    const auto* v = member(obj, name);
    if (!v) return {};
    if (!v->IsString()) malformed(std::string(name) + " is not a string");
    auto raw = base64Decode(std::string_view(v->GetString(), v->GetStringLength()));
    if (!raw) malformed(std::string(name) + " is not base64");
    return std::move(*raw);
}

RangeResponse rangeOf(const rapidjson::Value& obj) {
    if (!obj.IsObject()) malformed("a range reply is not an object");
    RangeResponse r;
    if (const auto* h = member(obj, "header")) r.revision = int64Of(*h, "revision");
    r.more = boolOf(obj, "more");
    r.count = int64Of(obj, "count");
    if (const auto* kvs = member(obj, "kvs")) {
        if (!kvs->IsArray()) malformed("kvs is not an array");
        r.kvs.reserve(kvs->Size());
        for (const auto& kv : kvs->GetArray()) {
            KeyValue k;
            k.key = bytesOf(kv, "key");
            k.value = bytesOf(kv, "value");
            k.createRevision = int64Of(kv, "create_revision");
            k.modRevision = int64Of(kv, "mod_revision");
            k.version = int64Of(kv, "version");
            r.kvs.push_back(std::move(k));
        }
    }
    return r;
}

TxnResponse txnOf(const rapidjson::Value& obj) {
    if (!obj.IsObject()) malformed("a txn reply is not an object");
    TxnResponse t;
    if (const auto* h = member(obj, "header")) t.revision = int64Of(*h, "revision");
    t.succeeded = boolOf(obj, "succeeded");
    if (const auto* list = member(obj, "responses")) {
        if (!list->IsArray()) malformed("responses is not an array");
        for (const auto& item : list->GetArray()) {
            ResponseOp op;
            if (const auto* r = member(item, "response_range")) {
                op.op = rangeOf(*r);
            } else if (member(item, "response_put")) {
                op.op = PutResponse{};
            } else if (const auto* d = member(item, "response_delete_range")) {
                op.op = DeleteRangeResponse{int64Of(*d, "deleted")};
            } else if (const auto* n = member(item, "response_txn")) {
                op.op = txnOf(*n);
            } else {
                malformed("a txn response of unknown kind");
            }
            t.responses.push_back(std::move(op));
        }
    }
    return t;
}

rapidjson::Document parse(std::string_view json) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) malformed("not a JSON object: '" + std::string(json.substr(0, 120)) + "'");
    return d;
}

}  // namespace

std::string encodeRange(const RangeRequest& r) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    writeRange(w, r);
    return finish(sb);
}

std::string encodeTxn(const TxnRequest& t) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    writeTxn(w, t);
    return finish(sb);
}

RangeResponse decodeRangeResponse(std::string_view json) { return rangeOf(parse(json)); }

TxnResponse decodeTxnResponse(std::string_view json) { return txnOf(parse(json)); }

std::optional<GatewayError> decodeGatewayError(std::string_view json) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) return std::nullopt;
    const auto* code = member(d, "code");
    if (!code || !code->IsInt()) return std::nullopt;
    GatewayError e;
    e.code = code->GetInt();
    for (const char* name : {"message", "error"}) {
        if (const auto* m = member(d, name); m && m->IsString() && m->GetStringLength() > 0) {
            e.message = m->GetString();
            break;
        }
    }
    return e;
}

}  // namespace ibvf::etcd
